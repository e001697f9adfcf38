#include "bench/workload/clickhouse_config.hpp"

#include <fstream>
#include <stdexcept>

namespace logcatch {

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

} // namespace

void write_clickhouse_config(const clickhouse_instance_config& c) {
  const auto& d = c.dir;
  write_text(d + "/config.xml",
             "<?xml version=\"1.0\"?>\n<yandex>\n"
             "  <logger><level>warning</level><log>" + d + "/server.log</log>"
             "<errorlog>" + d + "/server.err.log</errorlog><console>0</console></logger>\n"
             "  <http_port>" + std::to_string(c.http_port) + "</http_port>\n"
             "  <tcp_port>" + std::to_string(c.tcp_port) + "</tcp_port>\n"
             "  <listen_host>127.0.0.1</listen_host>\n"
             "  <path>" + d + "/data/</path>\n"
             "  <tmp_path>" + d + "/tmp/</tmp_path>\n"
             "  <user_files_path>" + d + "/user_files/</user_files_path>\n"
             "  <format_schema_path>" + d + "/format_schemas/</format_schema_path>\n"
             "  <users_config>" + d + "/users.xml</users_config>\n"
             "  <default_profile>default</default_profile>\n"
             "  <default_database>default</default_database>\n"
             "  <mark_cache_size>53687091</mark_cache_size>\n"
             "</yandex>\n");
  write_text(d + "/users.xml",
             "<?xml version=\"1.0\"?>\n<yandex>\n"
             "  <profiles><default></default></profiles>\n"
             "  <users><default><password>" + c.password + "</password>"
             "<networks><ip>127.0.0.1</ip></networks><profile>default</profile>"
             "<quota>default</quota></default></users>\n"
             "  <quotas><default></default></quotas>\n"
             "</yandex>\n");
}

} // namespace logcatch

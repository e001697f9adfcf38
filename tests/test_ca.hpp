#pragma once

// A throwaway certificate authority made with the openssl command in a
// test's folder: a CA, and certificates it signs for given names (CN, SAN
// DNS names), RSA or EC, valid for a given number of days.

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace logcatch::test {

class test_ca {
public:
  /// Makes `<dir>/<name>.pem` (the CA certificate) and `<name>.key`.
  explicit test_ca(std::string dir, std::string name = "ca")
    : dir_(std::move(dir)), name_(std::move(name)) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
        key() + " -out " + pem() + " -days 3650 -subj '/CN=" + name_ + " test CA'");
  }

  std::string pem() const { return dir_ + "/" + name_ + ".pem"; }
  std::string key() const { return dir_ + "/" + name_ + ".key"; }

  /// Signs a certificate `<dir>/<file>.pem` with key `<file>.key` for
  /// subject CN `cn` and, when given, SAN DNS names `dns`. `rsa`: an RSA
  /// 2048 key, else EC P-256.
  void issue(const std::string& file, const std::string& cn, const std::vector<std::string>& dns = {},
             int days = 3650, bool rsa = false) const {
    std::string base = dir_ + "/" + file;
    std::string newkey = rsa ? "rsa:2048" : "ec -pkeyopt ec_paramgen_curve:prime256v1";
    run("openssl req -newkey " + newkey + " -nodes -keyout " + base + ".key -out " + base +
        ".csr -subj '/CN=" + cn + "'");
    std::string ext;
    if (!dns.empty()) {
      std::string san = "subjectAltName=";
      for (std::size_t i = 0; i < dns.size(); ++i)
        san += (i ? ",DNS:" : "DNS:") + dns[i];
      write_file(base + ".ext", san + "\n", false);
      ext = " -extfile " + base + ".ext";
    }
    run("openssl x509 -req -in " + base + ".csr -CA " + pem() + " -CAkey " + key() +
        " -CAcreateserial -out " + base + ".pem -days " + std::to_string(days) + ext);
  }

private:
  static void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
      throw std::runtime_error("failed: " + command);
  }

  std::string dir_;
  std::string name_;
};

} // namespace logcatch::test

#include "bench/soak.hpp"

#include "bench/driver/child.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <unistd.h>

#include "bench/sim/binary_simulation.hpp"
#include "bench/sim/core_simulation.hpp"

namespace fs = std::filesystem;

namespace logcatch::bench {

namespace {

struct named_shape {
  const char* name;
  sim::program_shape shape;
};

/// The shapes the soak cycles through: the CTest ones, and bigger ones.
std::vector<named_shape> soak_shapes() {
  std::vector<named_shape> shapes;
  sim::program_shape files;
  files.collector_events = false;
  shapes.push_back({"files", files});
  shapes.push_back({"events", sim::program_shape{}});
  sim::program_shape many;
  many.max_keys = 2;
  many.max_streams = 200;
  many.ops = 400;
  shapes.push_back({"many-files", many});
  sim::program_shape long_run;
  long_run.max_keys = 4;
  long_run.max_streams = 20;
  long_run.ops = 1500;
  shapes.push_back({"long", long_run});
  sim::program_shape compressed;
  compressed.compress = true;
  shapes.push_back({"compress", compressed});
  sim::program_shape long_compressed = long_run;
  long_compressed.compress = true;
  shapes.push_back({"long-compress", long_compressed});
  return shapes;
}

/// The shapes against the real binary: fewer ops, keys and files (a program
/// takes seconds there), with and without collector events.
std::vector<named_shape> binary_shapes() {
  std::vector<named_shape> shapes;
  sim::program_shape files;
  files.max_keys = 2;
  files.max_streams = 3;
  files.ops = 60;
  files.collector_events = false;
  shapes.push_back({"binary-files", files});
  sim::program_shape events = files;
  events.collector_events = true;
  shapes.push_back({"binary-events", events});
  sim::program_shape longer = events;
  longer.max_keys = 3;
  longer.max_streams = 6;
  longer.ops = 150;
  shapes.push_back({"binary-long", longer});
  return shapes;
}


} // namespace

int run_soak(int argc, char** argv) {
  CLI::App app{"logcatch-bench soak: the model-based simulation of the delivery core (or, "
               "with --binary, of the real logcatch binary), without bound (random programs "
               "of file operations and collector events, "
               "each judged against a model of which lines must arrive)",
               "logcatch-bench soak"};
  double minutes = 30;
  uint64_t seed = 0;
  std::string work_dir;
  bool binary = false;
  bool keep = false;
  bool keep_going = false;
  std::string logcatch = own_folder() + "/logcatch";
  app.add_option("--minutes", minutes, "How long to run (default 30)");
  app.add_flag("--binary", binary,
               "Run the programs against the real logcatch binary (a child process with a "
               "file sink) instead of the core in-process: fewer, smaller programs");
  app.add_option("--logcatch", logcatch, "With --binary: the binary (default: next to this one)");
  app.add_flag("--keep-going", keep_going,
               "Do not stop at a failing program: print it (seed, figures, folder), go on, and "
               "exit 1 at the end; nothing is shrunk");
  app.add_flag("--keep", keep, "With --binary: keep every program's folder (a failing one is always kept)");
  app.add_option("--seed", seed, "Run only the program of this seed (replay), with every shape");
  app.add_option("--work-dir", work_dir, "Scratch folder (default: a new one under /tmp)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (binary && !fs::exists(logcatch)) {
    std::cerr << "logcatch-bench soak: " << logcatch << ": not found (build it, or give --logcatch)\n";
    return 2;
  }
  logcatch = fs::absolute(logcatch).string();
  if (work_dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "logcatch-soak-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "logcatch-bench soak: cannot create a scratch folder under /tmp\n";
      return 1;
    }
    work_dir = pattern;
  }
  fs::create_directories(work_dir);
  auto shapes = binary ? binary_shapes() : soak_shapes();
  auto begin = std::chrono::steady_clock::now();
  auto deadline = begin + std::chrono::duration<double>(minutes * 60);
  auto next_report = begin + std::chrono::seconds(30);
  std::mt19937_64 seeds{seed != 0 ? seed : std::random_device{}()};
  uint64_t programs = 0, ops = 0, lines = 0, must = 0;
  uint64_t failed = 0, lost = 0, duplicated = 0, out_of_order = 0;
  bool replay = seed != 0;
  std::cerr << "soak: " << (replay ? "replaying seed " + std::to_string(seed)
                                   : std::to_string(minutes) + " minutes")
            << (binary ? " against " + logcatch : std::string(" in-process")) << " in "
            << work_dir << "\n";
  for (std::size_t i = 0;; ++i) {
    auto& shape = shapes[i % shapes.size()];
    auto program_seed = replay ? seed : seeds();
    auto p = sim::generate(program_seed, shape.shape);
    auto r = binary ? sim::run_with_binary(p, work_dir, logcatch, keep)
                    : sim::run_in_core(p, work_dir);
    ++programs;
    ops += r.ops;
    lines += r.v.written;
    must += r.v.must;
    lost += r.v.lost;
    duplicated += r.v.duplicated;
    out_of_order += r.v.out_of_order;
    if (!r.ok() && keep_going) {
      ++failed;
      std::cout << "soak: FAILED: shape " << shape.name << ", seed " << program_seed << ": "
                << r.summary() << "\n"
                << r.v.examples << r.trace.substr(0, r.trace.find('\n') + 1) << std::flush;
    } else if (!r.ok()) {
      std::cout << "soak: FAILED: shape " << shape.name << ", seed " << program_seed
                << " (replay: logcatch-bench soak" << (binary ? " --binary" : "") << " --seed "
                << program_seed << "): "
                << r.summary() << "\n"
                << r.v.examples << std::flush; // before the (long) shrinking
      if (binary) {
        // Shrinking against the binary costs seconds a run: the failing
        // run is printed whole first (its folder is kept), then shrunk a little.
        std::cout << sim::describe(p) << "trace:\n" << r.trace << std::flush;
        auto small = sim::shrink_with_binary(p, work_dir, logcatch);
        auto again = sim::run_with_binary(small, work_dir, logcatch, true);
        std::cout << "shrunk to " << small.ops.size() << " ops: " << again.summary() << "\n"
                  << (again.ok() ? "(it failed while shrinking and passed on this run: the "
                                   "failure depends on timing)\n"
                                 : "")
                  << again.v.examples << sim::describe(small) << "trace:\n"
                  << again.trace;
        return 1;
      }
      auto small = sim::shrink(p, work_dir);
      auto again = sim::run_in_core(small, work_dir, false, true);
      std::cout << "shrunk to " << small.ops.size() << " ops: " << again.summary() << "\n"
                << again.v.examples << sim::describe(small) << "trace:\n"
                << again.trace;
      return 1;
    }
    auto now = std::chrono::steady_clock::now();
    if (replay && i + 1 == shapes.size())
      break;
    if (!replay && now >= deadline)
      break;
    if (now >= next_report) {
      next_report = now + std::chrono::seconds(30);
      std::cerr << "soak: " << static_cast<int>(std::chrono::duration<double>(now - begin).count())
                << " s, " << programs << " programs (" << failed << " failed), " << ops
                << " operations, " << lines << " lines, " << lost << " lost, " << duplicated
                << " duplicated, " << out_of_order << " out of order\n";
    }
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("soak: %.1f min, %llu programs (%llu failed), %llu operations, %llu lines written "
              "(%llu must arrive), %llu lost, %llu duplicated, %llu out of order\n",
              secs / 60, static_cast<unsigned long long>(programs),
              static_cast<unsigned long long>(failed), static_cast<unsigned long long>(ops),
              static_cast<unsigned long long>(lines), static_cast<unsigned long long>(must),
              static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicated),
              static_cast<unsigned long long>(out_of_order));
  if (failed > 0)
    return 1;
  if (!keep) {
    std::error_code ec;
    fs::remove_all(work_dir, ec);
  }
  return 0;
}

} // namespace logcatch::bench

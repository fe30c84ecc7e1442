// Data-parallel training on CPU with Gloo, as `hyperformer train --nproc 2` and torchrun run it:
// ranks are forked processes of this test, meeting at a TCP store on 127.0.0.1. Every fork happens
// before this process touches LibTorch (its thread pools do not survive a fork); the parent only
// reads the run stores.
#include <ATen/ATen.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include "core/model/T5Checkpoint.h"
#include "core/store/RunStoreReader.h"
#include "core/train/DistributedGroup.h"
#include "core/train/RunLauncher.h"
#include "tests/DemoTestConfig.h"
#include "tests/RunTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
namespace fs = std::filesystem;
using hwb::test::curve;
using hwb::test::wait_until;

namespace {

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof(a);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  close(fd);
  return ntohs(a.sin_port);
}

DistributedEnv rank_env(int rank, int world, int port) {
  DistributedEnv e;
  e.rank = rank;
  e.world_size = world;
  e.local_rank = rank;
  e.master_port = port;
  return e;
}

// Runs `body` in a child process; its exit status says whether it held (1: a failed check, 2: an
// exception, whose message goes to stderr).
pid_t spawn(const std::function<bool()>& body) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // QtTest's crash handler would report on the parent (it remembers the pid it started with).
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT, SIGPIPE})
    std::signal(sig, SIG_DFL);
  int code = 2;
  try {
    code = body() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "child " << getpid() << ": " << e.what() << std::endl;
  }
  _exit(code);
}

int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool exited_ok(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Each rank of a run: join, train, and report whether it ended as expected.
bool train_as_rank(const ExperimentConfig& config, int rank, int world, int port,
                   std::optional<int64_t> resume = std::nullopt) {
  DistributedPart part;
  part.group =
      DistributedGroup::join(rank_env(rank, world, port), c10::kCPU, std::chrono::seconds(120));
  LaunchedRun run =
      resume ? resume_run(config.store, *resume, {}, part) : launch_run(config, {}, part);
  run.session->wait();
  if (run.session->state() == TrainingSession::State::kFailed)
    std::cerr << "rank " << rank << ": " << run.session->error() << std::endl;
  return run.session->state() == TrainingSession::State::kFinished;
}

double max_relative_difference(const std::map<int64_t, double>& a,
                               const std::map<int64_t, double>& b) {
  double worst = 0;
  for (const auto& [step, value] : a)
    worst = std::max(worst, std::abs(value - b.at(step)) / std::abs(b.at(step)));
  return worst;
}

}  // namespace

class TestDistributed : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }

  // The built-in tiny backbone without dropout, as a model folder: the runs compared below then
  // differ only by how the ranks split the batch.
  fs::path backbone_without_dropout() const {
    const fs::path folder = path("tiny-no-dropout");
    if (fs::exists(folder / "model.safetensors")) return folder;
    const pid_t writer = spawn([&] {
      T5Config c = T5Config::tiny();
      c.dropout_rate = 0;
      T5Model model(c);
      model->init_weights(42);
      save_t5(model, folder);
      return true;
    });
    if (!exited_ok(wait_status(writer))) qFatal("could not write %s", folder.c_str());
    return folder;
  }

  ExperimentConfig config(const std::string& store, int64_t batch, int64_t steps) const {
    hwb::test::ShortDemo s;
    s.steps = steps;
    s.batch_size = batch;
    s.eval_every = 10;
    s.max_train = 200;
    ExperimentConfig c = hwb::test::short_demo_config(s);
    c.name = "dp";
    c.store = path(store).string();
    c.checkpoint_dir = "ckpt";
    return c;
  }

 private Q_SLOTS:
  void the_environment_is_read_as_torchrun_sets_it() {
    std::map<std::string, std::string> vars;
    const DistributedEnv::Variables lookup = [&vars](const char* name) {
      const auto it = vars.find(name);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    QVERIFY(!DistributedEnv::from_variables(lookup));
    vars = {{"WORLD_SIZE", "4"},
            {"RANK", "3"},
            {"LOCAL_RANK", "1"},
            {"MASTER_ADDR", "10.0.0.7"},
            {"MASTER_PORT", "29777"}};
    const DistributedEnv e = *DistributedEnv::from_variables(lookup);
    QCOMPARE(e.world_size, 4);
    QCOMPARE(e.rank, 3);
    QCOMPARE(e.local_rank, 1);
    QCOMPARE(e.master_addr, std::string("10.0.0.7"));
    QCOMPARE(e.master_port, 29777);

    vars["RANK"] = "4";  // ranks are 0..3
    QVERIFY(hwb::test::throws_with([&] { DistributedEnv::from_variables(lookup); }, {"RANK='4'"}));
    vars["RANK"] = "1";
    vars["MASTER_PORT"] = "http";
    QVERIFY(hwb::test::throws_with([&] { DistributedEnv::from_variables(lookup); },
                                   {"MASTER_PORT='http'"}));
    vars["MASTER_PORT"] = "29777";
    vars.erase("RANK");
    QVERIFY(hwb::test::throws_with([&] { DistributedEnv::from_variables(lookup); },
                                   {"RANK is not set"}));
  }

  void collectives_average_broadcast_and_agree() {
    const int port = free_port();
    std::vector<pid_t> ranks;
    for (int rank = 0; rank < 3; ++rank) {
      ranks.push_back(spawn([rank, port] {
        auto group =
            DistributedGroup::join(rank_env(rank, 3, port), c10::kCPU, std::chrono::seconds(60));
        // Two tensors of different shapes through one flat buffer; an undefined one is skipped.
        at::Tensor a = at::full({2, 2}, static_cast<float>(rank + 1));
        at::Tensor b = at::arange(3, at::kFloat) * static_cast<float>(rank);
        group->all_reduce_mean({a, at::Tensor(), b});
        bool ok = at::allclose(a, at::full({2, 2}, 2.0f)) &&
                  at::allclose(b, at::arange(3, at::kFloat));  // (0 + 1 + 2) / 3 = 1 per unit
        at::Tensor m = at::full({1}, static_cast<double>(rank * 10), at::kDouble);
        group->all_reduce_max(m);
        ok = ok && m.item<double>() == 20.0;
        at::Tensor s = at::full({1}, 1.0, at::kDouble);
        group->all_reduce_sum(s);
        ok = ok && s.item<double>() == 3.0;
        at::Tensor root = at::full({4}, static_cast<float>(100 + rank));
        group->broadcast_from_root({root});
        ok = ok && at::equal(root, at::full({4}, 100.0f));
        group->barrier();
        return ok && group->rank() == rank && group->world_size() == 3 &&
               group->backend() == "gloo";
      }));
    }
    for (pid_t pid : ranks) QVERIFY(exited_ok(wait_status(pid)));
  }

  // The check: 2 ranks with batch B follow the curve of 1 process with batch 2B. Without
  // dropout (whose streams differ per rank) the same tasks, examples and token weighting leave only
  // the order of float additions; 1 process with batch B is far off.
  void two_ranks_follow_one_process_with_twice_the_batch() {
    const int port = free_port();
    const int64_t steps = 30;
    ExperimentConfig two = config("two.db", 4, steps);
    ExperimentConfig one = config("one.db", 8, steps);
    ExperimentConfig small = config("small.db", 4, steps);
    for (ExperimentConfig* c : {&two, &one, &small})
      c->backbone = backbone_without_dropout().string();
    const pid_t r0 = spawn([&] { return train_as_rank(two, 0, 2, port); });
    const pid_t r1 = spawn([&] { return train_as_rank(two, 1, 2, port); });
    QVERIFY(exited_ok(wait_status(r0)));
    QVERIFY(exited_ok(wait_status(r1)));
    for (const ExperimentConfig* c : {&one, &small}) {
      const pid_t single = spawn([c] {
        LaunchedRun run = launch_run(*c, {});
        run.session->wait();
        return run.session->state() == TrainingSession::State::kFinished;
      });
      QVERIFY(exited_ok(wait_status(single)));
    }

    // Only rank 0 wrote: one run, recorded as spanning two processes, with its checkpoints.
    const auto reader = RunStoreReader::open(two.store);
    QCOMPARE(reader->runs().size(), std::size_t{1});
    const RunInfo info = *reader->run(1);
    QCOMPARE(info.status, std::string("finished"));
    QCOMPARE(info.device, std::string("cpu (2 processes, gloo)"));
    QVERIFY(fs::exists(path("ckpt/dp-1/last.safetensors")));

    const auto loss_two = curve(two.store, 1, "loss");
    const auto loss_one = curve(one.store, 1, "loss");
    const auto loss_small = curve(small.store, 1, "loss");
    QCOMPARE(loss_two.size(), std::size_t(steps));
    QCOMPARE(loss_one.size(), std::size_t(steps));
    const double to_twice = max_relative_difference(loss_two, loss_one);
    const double to_same_per_rank = max_relative_difference(loss_two, loss_small);
    qInfo("largest relative loss difference over %lld steps: 2x4 vs 1x8 %.2e, 2x4 vs 1x4 %.2e",
          static_cast<long long>(steps), to_twice, to_same_per_rank);
    QVERIFY2(to_twice < 1e-4, qPrintable(QString::number(to_twice)));
    QVERIFY(to_same_per_rank > 0.01);
    // The throughput recorded is the run's, not one rank's: twice the examples per step.
    const auto eps = curve(two.store, 1, "examples_per_second");
    QVERIFY(!eps.empty());
  }

  // A rank killed mid-run: the other notices at its next all-reduce, saves a checkpoint of the
  // last completed step and ends the run as failed; resuming on two ranks continues the curve.
  void a_killed_rank_ends_the_run_with_a_resumable_checkpoint() {
    const int port = free_port();
    ExperimentConfig c = config("killed.db", 4, 400);
    c.eval_every = 1000;  // no checkpoint but the one the failure makes
    const pid_t r0 = spawn([&] { return train_as_rank(c, 0, 2, port); });
    const pid_t r1 = spawn([&] { return train_as_rank(c, 1, 2, port); });
    wait_until([&] {
      try {
        const auto r = RunStoreReader::open(c.store)->run(1);
        return r && r->last_step >= 8;
      } catch (const std::exception&) {
        return false;
      }
    });
    kill(r1, SIGKILL);
    QVERIFY(WIFSIGNALED(wait_status(r1)));
    const int status0 = wait_status(r0);
    QVERIFY(WIFEXITED(status0) && WEXITSTATUS(status0) == 1);  // ended, not hung

    const auto reader = RunStoreReader::open(c.store);
    const RunInfo info = *reader->run(1);
    QCOMPARE(info.status, std::string("failed"));
    QVERIFY2(info.message.find("saved a checkpoint at step") != std::string::npos,
             info.message.c_str());
    const auto before = curve(c.store, 1, "loss");
    const int64_t last_step = before.rbegin()->first;
    QVERIFY(last_step >= 8);
    QVERIFY(fs::exists(path("ckpt/dp-1/last.safetensors")));

    // Resumed on two new ranks: the saved step is where it goes on, every step once.
    const int port2 = free_port();
    const pid_t q0 = spawn([&] { return train_as_rank(c, 0, 2, port2, int64_t{1}); });
    const pid_t q1 = spawn([&] { return train_as_rank(c, 1, 2, port2, int64_t{1}); });
    wait_until([&] { return reader->run(1)->last_step >= last_step + 5; });
    kill(q0, SIGKILL);
    kill(q1, SIGKILL);
    wait_status(q0);
    wait_status(q1);
    const auto after = curve(c.store, 1, "loss");
    int64_t expected = 1;
    for (const auto& [step, loss] : after) {
      QCOMPARE(step, expected++);
      QVERIFY(std::isfinite(loss));
    }
    QVERIFY(expected > last_step + 5);
    for (int64_t step = 1; step <= std::min<int64_t>(last_step, 8); ++step)
      QCOMPARE(after.at(step), before.at(step));
  }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "tst_distributed.moc"

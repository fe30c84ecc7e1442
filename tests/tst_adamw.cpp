// Our AdamW (core/train/AdamW): the same updates as LibTorch's torch::optim::AdamW, the same again
// with the learning rate as a tensor (the form a CUDA graph replays), and a step count that
// checkpoints can trust whichever form ran.
#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <QtTest/QtTest>

#include "core/train/AdamW.h"

using hwb::AdamW;

namespace {

// Two parameters and a gradient for each step, drawn from `seed`.
struct Problem {
  std::vector<at::Tensor> params;
  std::vector<std::vector<at::Tensor>> grads;  // [step][param]
};

Problem make_problem(uint64_t seed, int steps) {
  const at::Generator gen = at::detail::createCPUGenerator(seed);
  Problem p;
  p.params = {at::randn({4, 3}, gen, at::kFloat), at::randn({5}, gen, at::kFloat)};
  for (int s = 0; s < steps; ++s) {
    p.grads.push_back({at::randn({4, 3}, gen, at::kFloat), at::randn({5}, gen, at::kFloat)});
  }
  return p;
}

std::vector<at::Tensor> leaves(const Problem& p) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& t : p.params) out.push_back(t.clone().requires_grad_(true));
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> named(const std::vector<at::Tensor>& params) {
  return {{"a", params[0]}, {"b", params[1]}};
}

void set_grads(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads) {
  for (std::size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i].clone();
}

double max_diff(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  }
  return worst;
}

}  // namespace

class TestAdamW : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matches_libtorch_adamw() {
    const Problem p = make_problem(1, 6);
    const auto ours = leaves(p), theirs = leaves(p);
    AdamW::Options o;
    o.weight_decay = 0.01;
    AdamW mine(named(ours), o);
    torch::optim::AdamW reference(theirs, torch::optim::AdamWOptions(1e-2).weight_decay(0.01));
    for (const auto& g : p.grads) {
      set_grads(ours, g);
      set_grads(theirs, g);
      mine.step(1e-2);
      reference.step();
    }
    const double diff = max_diff(ours, theirs);
    QVERIFY2(diff < 1e-6, qPrintable(QString("max |diff| %1").arg(diff)));
    QVERIFY(max_diff(ours, p.params) > 1e-2);  // the parameters did move
    QCOMPARE(mine.steps_taken(), int64_t{6});
  }

  void tensor_learning_rate_matches_and_counts() {
    const Problem p = make_problem(2, 5);
    const auto host = leaves(p), device = leaves(p);
    AdamW::Options o;
    o.weight_decay = 0.1;
    AdamW a(named(host), o), b(named(device), o);
    const at::Tensor lr = at::zeros({});
    for (std::size_t s = 0; s < p.grads.size(); ++s) {
      const double rate = 1e-2 * static_cast<double>(s + 1);  // a schedule, refilled each step
      set_grads(host, p.grads[s]);
      set_grads(device, p.grads[s]);
      a.step(rate);
      lr.fill_(rate);
      b.step(lr);
    }
    // The tensor form computes the bias corrections in float, the host form in double.
    const double diff = max_diff(host, device);
    QVERIFY2(diff < 1e-5, qPrintable(QString("max |diff| %1").arg(diff)));
    QVERIFY(max_diff(host, p.params) > 1e-1);
    QCOMPARE(b.steps_taken(), int64_t{5});
    // Host steps after tensor steps keep one count.
    set_grads(device, p.grads[0]);
    b.step(1e-3);
    QCOMPARE(b.steps_taken(), int64_t{6});
  }

  void state_round_trip_continues_the_same() {
    const Problem p = make_problem(3, 8);
    const auto straight = leaves(p), resumed = leaves(p);
    AdamW a(named(straight), {});
    AdamW first(named(resumed), {});
    const at::Tensor lr = at::full({}, 5e-3);
    for (int s = 0; s < 4; ++s) {
      set_grads(straight, p.grads[s]);
      a.step(lr);
      set_grads(resumed, p.grads[s]);
      first.step(lr);
    }
    std::vector<std::pair<std::string, at::Tensor>> saved;
    for (const auto& [name, t] : first.state()) saved.emplace_back(name, t.clone());
    AdamW second(named(resumed), {});
    second.load_state(saved, first.steps_taken());
    for (int s = 4; s < 8; ++s) {
      set_grads(straight, p.grads[s]);
      a.step(lr);
      set_grads(resumed, p.grads[s]);
      second.step(lr);
    }
    QCOMPARE(second.steps_taken(), int64_t{8});
    const double diff = max_diff(straight, resumed);
    QVERIFY2(diff < 1e-7, qPrintable(QString("max |diff| %1").arg(diff)));
    // A wrong step count on resume changes the bias correction: the check can fail.
    const auto off = leaves(p);
    AdamW wrong(named(off), {});
    for (int s = 0; s < 4; ++s) {
      set_grads(off, p.grads[s]);
      wrong.step(lr);
    }
    AdamW wrong_resumed(named(off), {});
    wrong_resumed.load_state(wrong.state(), 0);
    for (int s = 4; s < 8; ++s) {
      set_grads(off, p.grads[s]);
      wrong_resumed.step(lr);
    }
    QVERIFY(max_diff(straight, off) > 1e-5);
  }

  void missing_state_is_named() {
    const Problem p = make_problem(4, 1);
    const auto params = leaves(p);
    AdamW a(named(params), {});
    try {
      a.load_state({{"a.exp_avg", at::zeros({4, 3})}}, 3);
      QFAIL("load_state accepted a state without b's moments");
    } catch (const std::exception& e) {
      const QString message = e.what();
      QVERIFY2(message.contains("b.exp_avg") && message.contains("a.exp_avg_sq"),
               qPrintable(message));
    }
  }
};

QTEST_GUILESS_MAIN(TestAdamW)
#include "tst_adamw.moc"

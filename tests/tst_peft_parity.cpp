// Parity of the adapters and hypernetworks with an independent PyTorch implementation of
// METHOD.md sections 2-4 (tests/fixtures/make_hyper_fixtures.py): the fixture's parameters are
// loaded through the documented checkpoint names, and every generated D, b_D, U, b_U, layer-norm
// gamma/beta and adapter output A(y), for every task and site, must agree to 1e-5, as must the
// task-similarity matrices.
#include <ATen/ATen.h>

#include "core/model/Safetensors.h"
#include "core/peft/AdapterCheckpoint.h"
#include "core/peft/PeftModel.h"
#include "core/peft/WeightStatistics.h"
#include "tests/TestUtil.h"

using namespace hwb;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) {
  return hwb::test::data_dir() / "peft" / name;
}

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

class TestPeftParity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matches_pytorch_reference_data() {
    QTest::addColumn<QString>("name");
    for (const char* name : {"hyperformer_pp", "hyperformer_layer_conditioned", "hyperformer",
                             "adapters_shared_norms"}) {
      QTest::newRow(name) << QString(name);
    }
  }

  void matches_pytorch_reference() {
    QFETCH(QString, name);
    const fs::path params = fixture(name.toStdString() + ".safetensors");
    const PeftConfig config = read_adapter_config(params);
    QCOMPARE(std::string(to_string(config.variant)), name.toStdString());
    T5Model backbone(read_adapter_backbone_config(params));
    PeftModel model(backbone, config, /*seed=*/99);
    load_adapters(model, params);
    model.eval();

    const SafetensorsFile expected(fixture(name.toStdString() + "_expected.safetensors"));
    const at::Tensor y = expected.load("input");
    const auto& sites = model.peft()->sites();
    const std::pair<const char*, at::Tensor AdapterWeights::*> fields[] = {
        {"down", &AdapterWeights::down},
        {"down_bias", &AdapterWeights::down_bias},
        {"up", &AdapterWeights::up},
        {"up_bias", &AdapterWeights::up_bias},
        {"pre_weight", &AdapterWeights::pre_weight},
        {"pre_bias", &AdapterWeights::pre_bias},
        {"post_weight", &AdapterWeights::post_weight},
        {"post_bias", &AdapterWeights::post_bias}};
    at::NoGradGuard no_grad;
    std::size_t compared = 0;
    double worst = 0;
    for (const auto& task : config.tasks) {
      model.set_task(task);
      const TaskAdapters& adapters = model.hook()->adapters(task);
      QCOMPARE(adapters.sites.size(), sites.size());
      for (std::size_t i = 0; i < sites.size(); ++i) {
        const std::string key = task + "." + site_name(sites[i]) + ".";
        for (const auto& [field, member] : fields) {
          const at::Tensor& ours = adapters.sites[i].*member;
          QCOMPARE(ours.defined(), expected.contains(key + field));
          if (!ours.defined()) continue;
          const at::Tensor ref = expected.load(key + field);
          QCOMPARE(ours.sizes(), ref.sizes());
          const double diff = max_diff(ours, ref);
          worst = std::max(worst, diff);
          QVERIFY2(diff < 1e-5, qPrintable(QString("%1%2: %3").arg(key.c_str(), field).arg(diff)));
          ++compared;
        }
        // Through the hook, as the backbone calls it.
        const at::Tensor out =
            model.hook()->apply(y, sites[i].stack, sites[i].layer, sites[i].where);
        const double diff = max_diff(out, expected.load(key + "output"));
        worst = std::max(worst, diff);
        QVERIFY2(diff < 1e-5, qPrintable(QString("%1output: %2").arg(key.c_str()).arg(diff)));
        ++compared;
      }
    }
    // Every expected tensor was looked at (none silently skipped).
    std::size_t listed = 0;
    for (const auto& [n, e] : expected.entries()) {
      listed += n != "input" && n.rfind("similarity.", 0) != 0;
    }
    QCOMPARE(compared, listed);
    qInfo("%s: %zu tensors, max |diff| %.3g", qPrintable(name), compared, worst);

    const WeightStatistics stats = WeightStatistics::of(model);
    if (config.uses_hypernetwork()) {
      const auto n = static_cast<int64_t>(config.tasks.size());
      const at::Tensor raw = at::tensor(stats.similarity_raw, at::kDouble).view({n, n});
      const at::Tensor projected = at::tensor(stats.similarity_projected, at::kDouble).view({n, n});
      QVERIFY(max_diff(raw, expected.load("similarity.raw", at::kFloat)) < 1e-5);
      QVERIFY(max_diff(projected, expected.load("similarity.projected", at::kFloat)) < 1e-5);
    } else {
      QVERIFY(stats.similarity_raw.empty());
    }
  }
};

QTEST_GUILESS_MAIN(TestPeftParity)
#include "tst_peft_parity.moc"

// Gradient checks on the hypernetwork path: autograd's gradients of a loss on adapter outputs,
// with respect to the task embedding, the layer and position embeddings, the projector and the
// generators, against central finite differences in double precision.
#include <ATen/ATen.h>

#include "core/peft/MultiTaskAdapterHook.h"
#include "core/peft/PeftModule.h"
#include "tests/PeftTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;

Q_DECLARE_METATYPE(hwb::PeftVariant)

class TestPeftGradients : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void hypernetwork_gradients_match_finite_differences_data() {
    QTest::addColumn<PeftVariant>("variant");
    QTest::addColumn<QString>("activation");
    QTest::addColumn<bool>("pre_norm");
    QTest::newRow("hyperformer gelu_new") << PeftVariant::kHyperformer << "gelu_new" << false;
    QTest::newRow("layer_conditioned swish pre-norm")
        << PeftVariant::kHyperformerLayerConditioned << "swish" << true;
    QTest::newRow("hyperformer_pp gelu_new pre-norm")
        << PeftVariant::kHyperformerPP << "gelu_new" << true;
    QTest::newRow("hyperformer_pp relu") << PeftVariant::kHyperformerPP << "relu" << false;
  }

  void hypernetwork_gradients_match_finite_differences() {
    QFETCH(PeftVariant, variant);
    QFETCH(QString, activation);
    QFETCH(bool, pre_norm);
    PeftConfig config = hwb::test::small_peft_config(variant);
    config.non_linearity = activation.toStdString();
    config.adapter_layer_norm_before = pre_norm;
    PeftModule module(config, hwb::test::small_t5_config(), 5);
    module->to(at::kDouble);
    {
      // Larger than the initialisation, so every path carries a gradient well above rounding.
      at::NoGradGuard no_grad;
      const at::Generator gen = at::detail::createCPUGenerator(17);
      for (auto& p : module->parameters()) {
        p.add_(at::normal(0.0, 0.2, p.sizes(), gen, at::TensorOptions().dtype(at::kDouble)));
      }
    }
    MultiTaskAdapterHook hook(module, parse_adapter_activation(config.non_linearity));
    hook.set_task("cola");
    const at::Generator gen = at::detail::createCPUGenerator(23);
    const auto opts = at::TensorOptions().dtype(at::kDouble);
    const at::Tensor y = at::normal(0.0, 1.0, {2, 3, 32}, gen, opts);
    std::vector<at::Tensor> weights;
    for (std::size_t i = 0; i < module->sites().size(); ++i) {
      weights.push_back(at::normal(0.0, 1.0, {2, 3, 32}, gen, opts));
    }
    auto loss = [&] {
      at::Tensor total = at::zeros({}, opts);
      for (std::size_t i = 0; i < module->sites().size(); ++i) {
        const AdapterSite& s = module->sites()[i];
        total = total + (hook.apply(y, s.stack, s.layer, s.where) * weights[i]).sum();
      }
      return total;
    };

    for (auto& p : module->parameters()) p.mutable_grad() = at::Tensor();
    loss().backward();

    const double eps = 1e-6;
    int checked = 0;
    double worst = 0;
    at::NoGradGuard no_grad;
    for (auto& item : module->named_parameters()) {
      const std::string& name = item.key();
      at::Tensor p = item.value();
      if (name.rfind("task_embeddings.", 0) == 0 && name != "task_embeddings.cola") {
        QVERIFY2(!p.grad().defined() || p.grad().abs().max().item<double>() == 0, name.c_str());
        continue;
      }
      QVERIFY2(p.grad().defined(), (name + " has no gradient").c_str());
      const at::Tensor flat = p.view({-1});
      const at::Tensor grad = p.grad().reshape({-1});
      // Every entry of small tensors, a few spread entries of the big generators.
      const int64_t n = flat.numel();
      const int64_t step = n <= 16 ? 1 : n / 5 + 1;
      for (int64_t i = 0; i < n; i += step) {
        const double original = flat[i].item<double>();
        flat[i] = original + eps;
        const double plus = loss().item<double>();
        flat[i] = original - eps;
        const double minus = loss().item<double>();
        flat[i] = original;
        const double numeric = (plus - minus) / (2 * eps);
        const double analytic = grad[i].item<double>();
        const double err = std::abs(numeric - analytic) / std::max(1.0, std::abs(analytic));
        worst = std::max(worst, err);
        QVERIFY2(err < 1e-6, qPrintable(QString("%1[%2]: autograd %3, numeric %4")
                                            .arg(name.c_str())
                                            .arg(i)
                                            .arg(analytic)
                                            .arg(numeric)));
        ++checked;
      }
    }
    qInfo("%d entries checked, worst relative error %.2g", checked, worst);
    QVERIFY(checked > 50);
  }
};

QTEST_GUILESS_MAIN(TestPeftGradients)
#include "tst_peft_gradients.moc"

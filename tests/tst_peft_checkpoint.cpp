// Saving and loading a trained adapter set on its own, and every way loading refuses a file.
#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include "core/model/Safetensors.h"
#include "core/model/T5Checkpoint.h"
#include "core/peft/AdapterCheckpoint.h"
#include "core/peft/PeftModel.h"
#include "tests/PeftTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::small_batch;
using hwb::test::small_peft_config;
using hwb::test::small_t5;
using hwb::test::throws_with;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(hwb::PeftVariant)

namespace {

void train_a_little(PeftModel& model) {
  model.train();
  torch::optim::AdamW optimizer(model.trainable_parameters(), torch::optim::AdamWOptions(1e-2));
  for (const auto& task : model.config().tasks) {
    const auto b = small_batch(3);
    optimizer.zero_grad();
    model.forward(task, b.input_ids, b.attention_mask, b.labels).loss.backward();
    optimizer.step();
  }
  model.eval();
}

at::Tensor logits(PeftModel& model, const std::string& task) {
  at::NoGradGuard no_grad;
  const auto b = small_batch(8);
  return model.forward(task, b.input_ids, b.attention_mask, b.labels).logits;
}

}  // namespace

class TestPeftCheckpoint : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path tmp(const std::string& name) const { return fs::path(dir_.path().toStdString()) / name; }

 private Q_SLOTS:
  void round_trip_restores_the_outputs_data() {
    QTest::addColumn<PeftVariant>("variant");
    for (PeftVariant v : hwb::test::all_variants()) {
      QTest::newRow(std::string(to_string(v)).c_str()) << v;
    }
  }

  void round_trip_restores_the_outputs() {
    QFETCH(PeftVariant, variant);
    T5Model backbone = small_t5();
    // The untouched backbone the adapters are applied to later.
    save_t5(backbone, tmp("backbone"));
    PeftModel model(backbone, small_peft_config(variant), 3);
    train_a_little(model);
    const std::string task = model.config().tasks.back();
    const at::Tensor expected = logits(model, task);
    const fs::path file = tmp(std::string(to_string(variant)) + ".safetensors");
    save_adapters(model, file, {{"step", "2"}});

    // Only the PEFT parameters and the backbone parts the variant trains are in the file.
    const SafetensorsFile saved(file);
    std::set<std::string> names;
    for (const auto& [name, entry] : saved.entries()) names.insert(name);
    std::set<std::string> wanted;
    for (const auto& [name, p] : model.named_parameters()) {
      const bool peft = name.rfind("peft.", 0) == 0;
      if (peft || variant == PeftVariant::kFullFinetune ||
          name.find("layer_norm") != std::string::npos) {
        wanted.insert(name);
      }
    }
    QCOMPARE(names, wanted);
    QCOMPARE(saved.metadata().at("format"), std::string("hwb-peft"));
    QCOMPARE(saved.metadata().at("step"), std::string("2"));
    QCOMPARE(read_adapter_config(file).to_json(), model.config().to_json());
    QCOMPARE(read_adapter_backbone_config(file).to_json(), backbone->config().to_json());

    // Applied later to the same (reloaded, pristine) backbone with a differently seeded module.
    PeftModel again(load_t5(tmp("backbone")), read_adapter_config(file), 1234);
    again.eval();
    QVERIFY(!at::equal(logits(again, task), expected));
    load_adapters(again, file);
    QVERIFY(at::equal(logits(again, task), expected));
  }

  void loading_drops_cached_weights() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    model.eval();
    train_a_little(model);
    save_adapters(model, tmp("pp.safetensors"));
    const at::Tensor trained = logits(model, "rte");
    PeftModel other(model.backbone(), model.config(), 99);
    other.eval();
    logits(other, "rte");  // fills the cache with the untrained weights
    load_adapters(other, tmp("pp.safetensors"));
    QVERIFY(at::equal(logits(other, "rte"), trained));
  }

  void another_backbone_is_refused() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    save_adapters(model, tmp("for_small.safetensors"));
    T5Config bigger = hwb::test::small_t5_config();
    bigger.d_ff = 96;
    bigger.num_decoder_layers = 4;
    PeftModel other(T5Model(bigger), model.config(), 3);
    QVERIFY(throws_with([&] { load_adapters(other, tmp("for_small.safetensors")); },
                        {"for_small.safetensors", "another backbone",
                         "d_ff: saved for 64, model has 96", "num_decoder_layers"}));
  }

  void name_and_shape_problems_are_listed_together() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    save_adapters(model, tmp("good.safetensors"));
    const SafetensorsFile good(tmp("good.safetensors"));
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& [name, entry] : good.entries()) {
      if (name == "peft.task_embeddings.cola") continue;  // missing
      if (name == "peft.hypernet.encoder.projector.fc2.bias") {
        tensors.emplace_back(name, at::zeros({5}));  // wrong shape
        continue;
      }
      tensors.emplace_back(name, good.load(name));
    }
    tensors.emplace_back("peft.task_embeddings.qqp", at::zeros({8}));  // unexpected
    write_safetensors(tmp("bad.safetensors"), tensors, good.metadata());
    QVERIFY(throws_with(
        [&] { load_adapters(model, tmp("bad.safetensors")); },
        {"bad.safetensors", "missing (1)", "peft.task_embeddings.cola", "unexpected (1)",
         "peft.task_embeddings.qqp", "shape mismatch (1)", "fc2.bias (file [5], model [8])"}));
  }

  void other_variants_and_files_are_refused() {
    PeftModel pp(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    save_adapters(pp, tmp("pp2.safetensors"));
    PeftModel adapters(small_t5(), small_peft_config(PeftVariant::kAdaptersSharedNorms), 3);
    QVERIFY(throws_with([&] { load_adapters(adapters, tmp("pp2.safetensors")); },
                        {"hyperformer_pp adapter set", "adapters_shared_norms"}));
    T5Model backbone = small_t5();
    save_t5(backbone, tmp("plain_t5"));
    QVERIFY(throws_with([&] { load_adapters(pp, tmp("plain_t5") / "model.safetensors"); },
                        {"model.safetensors", "expected 'hwb-peft' (a saved adapter set)"}));
    QVERIFY(throws_with([&] { read_adapter_config(tmp("absent.safetensors")); },
                        {"absent.safetensors"}));
  }

  void reduced_precision_parameters_round_trip() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    model.peft()->to(at::kBFloat16);
    save_adapters(model, tmp("bf16.safetensors"));
    QCOMPARE(
        SafetensorsFile(tmp("bf16.safetensors")).entries().at("peft.task_embeddings.rte").dtype,
        std::string("BF16"));
    PeftModel again(model.backbone(), model.config(), 8);
    load_adapters(again, tmp("bf16.safetensors"));
    const at::Tensor a = model.peft()->task_embeddings->get("rte").to(at::kFloat);
    QVERIFY(at::equal(again.peft()->task_embeddings->get("rte"), a));
  }
};

QTEST_GUILESS_MAIN(TestPeftCheckpoint)
#include "tst_peft_checkpoint.moc"

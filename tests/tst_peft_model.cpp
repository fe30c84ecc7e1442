// PeftModel on a small T5: freezing, what one optimiser step changes, the starting point of the
// hypernetwork variants, when weights are generated and cached, and adding a task later.
#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adamw.h>

#include <map>

#include "core/model/FrozenWeights.h"
#include "core/peft/ParameterReport.h"
#include "core/peft/PeftModel.h"
#include "tests/PeftTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::small_batch;
using hwb::test::small_peft_config;
using hwb::test::small_t5;
using hwb::test::throws_with;

Q_DECLARE_METATYPE(hwb::PeftVariant)

namespace {

std::map<std::string, at::Tensor> snapshot(const PeftModel& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, p] : model.named_parameters()) out[name] = p.detach().clone();
  return out;
}

// One AdamW step on one batch of `task`; returns the loss.
double train_step(PeftModel& model, const std::string& task, uint64_t seed) {
  torch::optim::AdamW optimizer(model.trainable_parameters(),
                                torch::optim::AdamWOptions(1e-2).weight_decay(0.0));
  const auto batch = small_batch(seed);
  optimizer.zero_grad();
  const Seq2SeqOutput out =
      model.forward(task, batch.input_ids, batch.attention_mask, batch.labels);
  out.loss.backward();
  optimizer.step();
  return out.loss.item<double>();
}

at::Tensor eval_logits(PeftModel& model, const std::string& task, uint64_t seed = 5) {
  at::NoGradGuard no_grad;
  const auto batch = small_batch(seed);
  return model.forward(task, batch.input_ids, batch.attention_mask, batch.labels).logits;
}

void add_variant_rows(const std::vector<PeftVariant>& variants) {
  QTest::addColumn<PeftVariant>("variant");
  for (PeftVariant v : variants) QTest::newRow(std::string(to_string(v)).c_str()) << v;
}

}  // namespace

class TestPeftModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void freezing_follows_the_variant_data() { add_variant_rows(hwb::test::all_variants()); }

  void freezing_follows_the_variant() {
    QFETCH(PeftVariant, variant);
    PeftModel model(small_t5(), small_peft_config(variant), 3);
    for (const auto& [name, p] : model.named_parameters()) {
      bool expected = true;
      if (variant != PeftVariant::kFullFinetune && name.rfind("peft.", 0) != 0) {
        expected = name.find("layer_norm") != std::string::npos;  // unfreeze_layer_norms
      }
      QVERIFY2(p.requires_grad() == expected, name.c_str());
    }
    QCOMPARE(model.hook() == nullptr, variant == PeftVariant::kFullFinetune);
    QCOMPARE(model.backbone()->adapter_hook(), model.hook().get());
  }

  void backbone_options_unfreeze_named_parts() {
    PeftConfig c = small_peft_config(PeftVariant::kHyperformerPP);
    c.unfreeze_layer_norms = false;
    c.train_lm_head = true;  // tied: the shared embedding
    c.train_backbone_matching = {"decoder.block.2.layer.2."};
    PeftModel model(small_t5(), c, 3);
    std::vector<std::string> trained;
    for (const auto& [name, p] : model.named_trainable_parameters()) {
      if (name.rfind("peft.", 0) != 0) trained.push_back(name);
    }
    const std::vector<std::string> expected = {"shared.weight",
                                               "decoder.block.2.layer.2.DenseReluDense.wi_0.weight",
                                               "decoder.block.2.layer.2.DenseReluDense.wi_1.weight",
                                               "decoder.block.2.layer.2.DenseReluDense.wo.weight",
                                               "decoder.block.2.layer.2.layer_norm.weight"};
    QCOMPARE(trained, expected);
  }

  void one_step_changes_only_trainable_parameters_data() {
    add_variant_rows(hwb::test::all_variants());
  }

  void one_step_changes_only_trainable_parameters() {
    QFETCH(PeftVariant, variant);
    PeftModel model(small_t5(), small_peft_config(variant), 3);
    model.train();
    const auto before = snapshot(model);
    const std::string task = model.config().tasks.front();
    train_step(model, task, 11);
    int changed = 0;
    for (const auto& [name, p] : model.named_parameters()) {
      const bool same = at::equal(p, before.at(name));
      if (!p.requires_grad()) {
        QVERIFY2(same, (name + " is frozen but changed").c_str());
        continue;
      }
      // Another task's adapter set gets no gradient from this task's batch.
      const bool other_task =
          name.rfind("peft.adapters.", 0) == 0 && name.rfind("peft.adapters." + task + ".", 0) != 0;
      const bool other_embedding =
          name.rfind("peft.task_embeddings.", 0) == 0 && name != "peft.task_embeddings." + task;
      if (other_task || other_embedding) {
        QVERIFY2(same, (name + " belongs to another task but changed").c_str());
      } else {
        QVERIFY2(!same, (name + " is trainable but did not change").c_str());
        ++changed;
      }
    }
    QVERIFY(changed > 0);
  }

  void hypernetworks_start_near_the_backbone_data() {
    add_variant_rows(hwb::test::hyper_variants());
  }

  void hypernetworks_start_near_the_backbone() {
    QFETCH(PeftVariant, variant);
    T5Model backbone = small_t5();
    backbone->eval();
    const at::Tensor plain = [&] {
      at::NoGradGuard no_grad;
      const auto b = small_batch(5);
      return backbone->forward(b.input_ids, b.attention_mask, b.labels).logits;
    }();
    PeftModel model(backbone, small_peft_config(variant), 3);
    model.eval();
    const double scale = plain.abs().max().item<double>();
    const double diff = (eval_logits(model, "rte") - plain).abs().max().item<double>();
    // Plain adapters with a standard post layer norm (gamma = 1) move the model far more: the
    // generated gamma near 0 is what keeps a fresh hypernetwork close to the backbone.
    PeftModel plain_adapters(backbone, small_peft_config(PeftVariant::kAdaptersSharedNorms), 3);
    plain_adapters.eval();
    const double plain_diff =
        (eval_logits(plain_adapters, "rte") - plain).abs().max().item<double>();
    qInfo("max |logit| %.3g, hypernetwork diff %.3g, plain adapters diff %.3g", scale, diff,
          plain_diff);
    QVERIFY2(diff < 0.1 * scale, qPrintable(QString::number(diff)));
    QVERIFY(plain_diff > 3 * diff);
  }

  void generated_gamma_starts_near_zero() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    at::NoGradGuard no_grad;
    for (const auto& w : model.hook()->adapters("rte").sites) {
      QVERIFY(w.post_weight.abs().max().item<double>() < 0.5);
      QVERIFY(w.post_weight.pow(2).mean().sqrt().item<double>() < 0.15);
    }
  }

  void generates_once_per_batch_and_caches_for_evaluation() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    auto& hook = *model.hook();
    const auto batch = small_batch(9);
    // Training: one generation per forward pass, whatever the number of sites (here 10).
    model.train();
    int64_t n = hook.generation_count();
    model.forward("rte", batch.input_ids, batch.attention_mask, batch.labels);
    QCOMPARE(hook.generation_count(), n + 1);
    model.forward("rte", batch.input_ids, batch.attention_mask, batch.labels);
    QCOMPARE(hook.generation_count(), n + 2);
    // Evaluation: once per task, then cached.
    model.eval();
    n = hook.generation_count();
    const at::Tensor rte = eval_logits(model, "rte");
    QCOMPARE(hook.generation_count(), n + 1);
    eval_logits(model, "rte");
    QCOMPARE(hook.generation_count(), n + 1);
    const at::Tensor cola = eval_logits(model, "cola");
    QCOMPARE(hook.generation_count(), n + 2);
    QVERIFY(!at::allclose(rte, cola));
    QVERIFY(at::equal(eval_logits(model, "rte"), rte));
    model.generate("rte", batch.input_ids, batch.attention_mask);
    QCOMPARE(hook.generation_count(), n + 2);
    // Any change of a PEFT parameter (here an optimiser step) invalidates the cache.
    model.train();
    train_step(model, "rte", 12);
    model.eval();
    n = hook.generation_count();
    const at::Tensor after = eval_logits(model, "rte");
    QCOMPARE(hook.generation_count(), n + 1);
    QVERIFY(!at::allclose(after, rte));
    {
      // The cached weights equal freshly generated ones.
      at::NoGradGuard no_grad;
      const TaskAdapters& cached = hook.adapters("rte");
      QCOMPARE(hook.generation_count(), n + 1);
      const TaskAdapters fresh = model.peft()->task_adapters("rte");
      for (std::size_t i = 0; i < fresh.sites.size(); ++i) {
        QVERIFY(at::equal(cached.sites[i].down, fresh.sites[i].down));
        QVERIFY(at::equal(cached.sites[i].post_weight, fresh.sites[i].post_weight));
      }
    }
    model.invalidate_generated();
    eval_logits(model, "rte");
    QCOMPARE(hook.generation_count(), n + 2);
  }

  void training_sees_the_updated_hypernetwork() {
    // Two steps in a row on the same task: the second must use weights generated after the
    // first step (a stale graph would also fail backward).
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformer), 3);
    model.train();
    torch::optim::AdamW optimizer(model.trainable_parameters(), torch::optim::AdamWOptions(1e-2));
    const auto batch = small_batch(4);
    std::vector<double> losses;
    for (int i = 0; i < 6; ++i) {
      optimizer.zero_grad();
      at::Tensor loss =
          model.forward("cola", batch.input_ids, batch.attention_mask, batch.labels).loss;
      loss.backward();
      optimizer.step();
      losses.push_back(loss.item<double>());
    }
    QVERIFY2(losses.back() < losses.front(),
             qPrintable(QString("%1 -> %2").arg(losses.front()).arg(losses.back())));
  }

  void new_task_learns_only_its_embedding_data() {
    add_variant_rows({PeftVariant::kHyperformer, PeftVariant::kHyperformerLayerConditioned,
                      PeftVariant::kHyperformerPP, PeftVariant::kAdaptersSharedNorms});
  }

  void new_task_learns_only_its_embedding() {
    QFETCH(PeftVariant, variant);
    PeftModel model(small_t5(), small_peft_config(variant), 3);
    model.train();
    train_step(model, "rte", 21);  // "trained"
    model.add_task("wnli", 77);
    QCOMPARE(model.config().tasks.back(), std::string("wnli"));
    model.train_only_tasks({"wnli"});
    const auto own = [&](const std::string& name) {
      return name == "peft.task_embeddings.wnli" || name.rfind("peft.adapters.wnli.", 0) == 0;
    };
    const ParameterReport report = ParameterReport::of(model);
    QCOMPARE(report.trainable, report.task_own.at("wnli"));
    if (model.config().uses_hypernetwork()) {
      QCOMPARE(report.trainable, model.config().task_embedding_dim);
    }
    model.eval();
    const at::Tensor rte_before = eval_logits(model, "rte");
    model.train();
    const auto before = snapshot(model);
    train_step(model, "wnli", 22);
    for (const auto& [name, p] : model.named_parameters()) {
      QVERIFY2(at::equal(p, before.at(name)) != own(name), name.c_str());
    }
    // The trained tasks compute exactly what they did.
    model.eval();
    QVERIFY(at::equal(eval_logits(model, "rte"), rte_before));
  }

  void adding_a_task_is_refused_where_it_means_nothing() {
    PeftModel single(small_t5(), small_peft_config(PeftVariant::kAdapters), 3);
    QVERIFY(throws_with([&] { single.add_task("wnli", 1); }, {"adapters", "one model per task"}));
    PeftModel pp(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    QVERIFY(throws_with([&] { pp.add_task("rte", 1); }, {"'rte' already exists"}));
    QVERIFY(throws_with([&] { pp.add_task("a.b", 1); }, {"'a.b' is not a valid task name"}));
  }

  void unknown_task_is_named() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformerPP), 3);
    QVERIFY(throws_with([&] { model.set_task("mnli"); }, {"'mnli'", "rte, cola, stsb"}));
    PeftModel full(small_t5(), small_peft_config(PeftVariant::kFullFinetune), 3);
    QVERIFY(throws_with([&] { full.set_task("mnli"); }, {"'mnli'"}));
  }

  void adapters_in_one_stack_leave_the_other_alone() {
    PeftConfig c = small_peft_config(PeftVariant::kHyperformerPP);
    c.adapters_in = AdapterStacks::kDecoder;
    PeftModel model(small_t5(), c, 3);
    model.eval();
    at::NoGradGuard no_grad;
    const auto b = small_batch(5);
    const at::Tensor with = model.backbone()->encode(b.input_ids, b.attention_mask);
    model.backbone()->set_adapter_hook(nullptr);
    const at::Tensor without = model.backbone()->encode(b.input_ids, b.attention_mask);
    QVERIFY(at::equal(with, without));
    QCOMPARE(model.peft()->sites().size(), std::size_t{6});
    for (const auto& item : model.peft()->named_parameters()) {
      QVERIFY2(item.key().find("encoder") == std::string::npos, item.key().c_str());
    }
  }

  void padding_to_a_bucket_changes_nothing_data() { add_variant_rows(hwb::test::all_variants()); }

  // The Trainer pads batches to a few lengths for its CUDA graphs (LengthBuckets): the extra
  // masked source positions and -100 targets must leave the loss and every gradient as they were.
  void padding_to_a_bucket_changes_nothing() {
    QFETCH(PeftVariant, variant);
    hwb::T5Config shape = hwb::test::small_t5_config();
    shape.dropout_rate = 0.0;
    hwb::T5Model backbone(shape);
    backbone->init_weights(4);
    PeftModel model(backbone, small_peft_config(variant), 3);
    model.train();
    const std::string task = model.config().tasks.front();
    const hwb::test::Batch b = hwb::test::small_batch(21);
    auto loss_and_gradients = [&](const at::Tensor& ids, const at::Tensor& mask,
                                  const at::Tensor& labels) {
      for (auto& [name, p] : model.named_trainable_parameters()) p.mutable_grad() = at::Tensor();
      const at::Tensor loss = model.forward(task, ids, mask, labels).loss;
      loss.backward();
      std::vector<at::Tensor> grads;
      for (auto& [name, p] : model.named_trainable_parameters()) {
        grads.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
      }
      model.invalidate_generated();
      return std::pair{loss.item<double>(), grads};
    };
    const auto [plain, plain_grads] = loss_and_gradients(b.input_ids, b.attention_mask, b.labels);
    const auto [padded, padded_grads] =
        loss_and_gradients(at::constant_pad_nd(b.input_ids, {0, 9}, 0),
                           at::constant_pad_nd(b.attention_mask, {0, 9}, 0),
                           at::constant_pad_nd(b.labels, {0, 4}, -100));
    QVERIFY2(std::abs(plain - padded) <= 1e-5 * plain,
             qPrintable(QString("loss %1 unpadded, %2 padded").arg(plain).arg(padded)));
    int compared = 0;
    for (std::size_t i = 0; i < plain_grads.size(); ++i) {
      QCOMPARE(plain_grads[i].defined(), padded_grads[i].defined());
      if (!plain_grads[i].defined()) continue;
      const double scale = plain_grads[i].abs().max().item<double>() + 1e-12;
      const double diff = (plain_grads[i] - padded_grads[i]).abs().max().item<double>();
      QVERIFY2(diff <= 1e-4 * scale,
               qPrintable(QString("gradient %1: max |diff| %2 of %3").arg(i).arg(diff).arg(scale)));
      ++compared;
    }
    QVERIFY(compared > 0);
    // Against a different batch the same measure does move: the check can fail.
    const auto [other, other_grads] =
        loss_and_gradients(b.input_ids.roll(1, 1), b.attention_mask, b.labels);
    QVERIFY(std::abs(plain - other) > 1e-3 * plain);
  }

  void frozen_matrices_stored_in_bf16_data() { add_variant_rows(hwb::test::all_variants()); }

  // For CUDA bf16 training the Trainer stores the frozen backbone matrices in bf16: exactly the
  // frozen linear weights change dtype; trainable ones, embeddings and everything PEFT stay fp32.
  void frozen_matrices_stored_in_bf16() {
    QFETCH(PeftVariant, variant);
    PeftModel model(small_t5(), small_peft_config(variant), 3);
    int64_t expected = 0;
    std::map<std::string, bool> frozen_matrix;
    for (const auto& item : model.backbone()->named_modules()) {
      auto* linear = item.value()->as<torch::nn::LinearImpl>();
      if (linear == nullptr) continue;
      const bool frozen = !linear->weight.requires_grad();
      frozen_matrix[item.key() + ".weight"] = frozen;
      if (frozen) expected += linear->weight.numel() * 2;
    }
    QVERIFY(!frozen_matrix.empty());
    const int64_t saved = hwb::store_frozen_linear_weights(*model.backbone(), at::kBFloat16);
    QCOMPARE(saved, expected);
    QCOMPARE(saved > 0, variant != PeftVariant::kFullFinetune);
    for (const auto& [name, p] : model.named_parameters()) {
      const auto it = frozen_matrix.find(name);
      const bool converted = it != frozen_matrix.end() && it->second;
      QVERIFY2(p.scalar_type() == (converted ? at::kBFloat16 : at::kFloat), name.c_str());
    }
    QCOMPARE(hwb::store_frozen_linear_weights(*model.backbone(), at::kBFloat16), int64_t{0});
  }

  void seeds_make_the_same_model() {
    PeftModel a(small_t5(), small_peft_config(PeftVariant::kHyperformerLayerConditioned), 8);
    PeftModel b(small_t5(), small_peft_config(PeftVariant::kHyperformerLayerConditioned), 8);
    const auto pa = a.named_parameters(), pb = b.named_parameters();
    QCOMPARE(pa.size(), pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) {
      QCOMPARE(pa[i].first, pb[i].first);
      QVERIFY(at::equal(pa[i].second, pb[i].second));
    }
  }
};

QTEST_GUILESS_MAIN(TestPeftModel)
#include "tst_peft_model.moc"

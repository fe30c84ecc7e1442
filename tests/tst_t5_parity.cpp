// Parity of our T5 with transformers' T5ForConditionalGeneration on tiny random checkpoints made by
// tests/fixtures/make_t5_fixtures.py on the GPU machine (logits to 1e-4, greedy output exactly),
// plus the checkpoint round trip and every bad-input case of loading.
#include <ATen/ATen.h>

#include "core/model/Generation.h"
#include "core/model/Safetensors.h"
#include "core/model/T5Checkpoint.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::read_json;
using hwb::test::throws_with;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) {
  return hwb::test::data_dir() / "t5" / name;
}

at::Tensor tensor_2d(const nlohmann::json& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) {
    for (const auto& v : row) flat.push_back(v.get<int64_t>());
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  return at::tensor(flat, at::kLong).view({n, -1});
}

void copy_folder(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from))
    fs::copy_file(e.path(), to / e.path().filename());
}

}  // namespace

class TestT5Parity : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path tmp(const std::string& name) const { return fs::path(dir_.path().toStdString()) / name; }

 private Q_SLOTS:
  void matches_transformers_data() {
    QTest::addColumn<QString>("name");
    for (const char* name :
         {"v10_tied_f32", "v11_untied_f32", "v11_untied_bf16_sharded", "v10_tied_f16"}) {
      QTest::newRow(name) << QString(name);
    }
  }

  void matches_transformers() {
    QFETCH(QString, name);
    const fs::path folder = fixture(name.toStdString());
    const nlohmann::json ref = read_json(folder / "reference.json");
    T5Model model = load_t5(folder);
    model->eval();
    QCOMPARE(model->config().num_decoder_layers, model->decoder->num_blocks());

    const at::Tensor ids = tensor_2d(ref["input_ids"]);
    const at::Tensor mask = tensor_2d(ref["attention_mask"]);
    const at::Tensor labels = tensor_2d(ref["labels"]);
    at::NoGradGuard no_grad;
    const Seq2SeqOutput out = model->forward(ids, mask, labels);
    const auto shape = ref["logits_shape"].get<std::vector<int64_t>>();
    QCOMPARE(out.logits.sizes().vec(), shape);
    const at::Tensor expected =
        at::tensor(ref["logits"].get<std::vector<float>>(), at::kFloat).view(shape);
    const double max_diff = (out.logits - expected).abs().max().item<double>();
    qInfo("%s: max |logit diff| = %.3g", name.toUtf8().constData(), max_diff);
    QVERIFY2(max_diff < 1e-4, qPrintable(QString("max logit difference %1").arg(max_diff)));
    QVERIFY(std::abs(out.loss.item<double>() - ref["loss"].get<double>()) < 1e-4);

    LossOptions smoothed;
    smoothed.label_smoothing = 0.1;
    const double ls = model->forward(ids, mask, labels, smoothed).loss.item<double>();
    QVERIFY(std::abs(ls - ref["loss_label_smoothing_0.1"].get<double>()) < 1e-4);

    GenerateOptions gen;
    gen.max_new_tokens = ref["max_new_tokens"].get<int64_t>();
    const at::Tensor greedy = greedy_generate(model, ids, mask, gen);
    QVERIFY2(at::equal(greedy, tensor_2d(ref["greedy"])),
             qPrintable(QString::fromStdString(c10::str(greedy))));
    gen.use_cache = false;
    QVERIFY(at::equal(greedy_generate(model, ids, mask, gen), greedy));
  }

  void summed_loss_is_mean_times_tokens() {
    T5Model model = load_t5(fixture("v10_tied_f32"));
    model->eval();
    const nlohmann::json ref = read_json(fixture("v10_tied_f32") / "reference.json");
    const at::Tensor labels = tensor_2d(ref["labels"]);
    LossOptions sum;
    sum.sum_over_tokens = true;
    const double total =
        model->forward(tensor_2d(ref["input_ids"]), tensor_2d(ref["attention_mask"]), labels, sum)
            .loss.item<double>();
    const double tokens = (labels != -100).sum().item<double>();
    QVERIFY(std::abs(total - ref["loss"].get<double>() * tokens) < 1e-3);
  }

  void save_and_reload_is_bit_exact() {
    T5Model model = load_t5(fixture("v11_untied_f32"));
    save_t5(model, tmp("saved"), {{"note", "round trip"}});
    T5Model again = load_t5(tmp("saved"));
    for (const auto& [name, value] : t5_state(model)) {
      QVERIFY2(at::equal(value, again->named_parameters()[name]), name.c_str());
    }
    // The re-written file holds exactly the original tensors, bit for bit.
    SafetensorsFile original(fixture("v11_untied_f32") / "model.safetensors");
    SafetensorsFile saved(tmp("saved") / "model.safetensors");
    for (const auto& [name, entry] : original.entries()) {
      QVERIFY2(at::equal(original.load(name), saved.load(name)), name.c_str());
    }
    QCOMPARE(saved.metadata().at("note"), std::string("round trip"));
    QCOMPARE(T5Config::load(tmp("saved") / "config.json").to_json(), model->config().to_json());
  }

  void bf16_load_converts_weights() {
    T5LoadOptions opts;
    opts.dtype = at::kBFloat16;
    T5Model model = load_t5(fixture("v11_untied_bf16_sharded"), opts);
    QCOMPARE(model->shared->weight.scalar_type(), at::kBFloat16);
    SafetensorsFile shard(fixture("v11_untied_bf16_sharded") / "model-00001-of-00004.safetensors");
    const std::string name = shard.entries().begin()->first;
    QVERIFY(at::equal(model->named_parameters()[name], shard.load(name, at::kBFloat16)));
  }

  void missing_folder_and_files_are_named() {
    QVERIFY(throws_with([&] { load_t5(tmp("absent")); }, {"absent", "does not exist"}));
    fs::create_directories(tmp("empty"));
    QVERIFY(throws_with([&] { load_t5(tmp("empty")); }, {"config.json"}));
    copy_folder(fixture("v10_tied_f32"), tmp("noweights"));
    fs::remove(tmp("noweights") / "model.safetensors");
    QVERIFY(throws_with([&] { load_t5(tmp("noweights")); }, {"noweights", "model.safetensors"}));
    copy_folder(fixture("v11_untied_bf16_sharded"), tmp("noshard"));
    fs::remove(tmp("noshard") / "model-00002-of-00004.safetensors");
    QVERIFY(throws_with([&] { load_t5(tmp("noshard")); },
                        {"model-00002-of-00004.safetensors", "missing"}));
  }

  void unknown_feed_forward_proj_is_refused() {
    copy_folder(fixture("v10_tied_f32"), tmp("badproj"));
    nlohmann::json cfg = read_json(tmp("badproj") / "config.json");
    cfg["feed_forward_proj"] = "gated-tanhish";
    hwb::test::write_text(tmp("badproj") / "config.json", cfg.dump());
    QVERIFY(throws_with([&] { load_t5(tmp("badproj")); },
                        {"config.json", "feed_forward_proj", "gated-tanhish"}));
  }

  void wrong_shape_and_missing_weight_are_named() {
    // d_ff in config.json disagrees with the stored feed-forward weights.
    copy_folder(fixture("v10_tied_f32"), tmp("shape"));
    nlohmann::json cfg = read_json(tmp("shape") / "config.json");
    cfg["d_ff"] = 48;
    hwb::test::write_text(tmp("shape") / "config.json", cfg.dump());
    QVERIFY(throws_with([&] { load_t5(tmp("shape")); },
                        {"wrong shape", "encoder.block.0.layer.1.DenseReluDense.wi.weight",
                         "[64, 32]", "[48, 32]"}));

    // One tensor removed from the file: refused, never filled with random values.
    copy_folder(fixture("v10_tied_f32"), tmp("missing"));
    SafetensorsFile st(fixture("v10_tied_f32") / "model.safetensors");
    std::vector<std::pair<std::string, at::Tensor>> kept;
    for (const auto& [name, e] : st.entries()) {
      if (name != "decoder.block.1.layer.2.layer_norm.weight")
        kept.emplace_back(name, st.load(name));
    }
    kept.emplace_back("decoder.block.9.extra.weight", at::zeros({2}));
    write_safetensors(tmp("missing") / "model.safetensors", kept);
    std::string message;
    QVERIFY(throws_with([&] { load_t5(tmp("missing")); },
                        {"missing (1)", "decoder.block.1.layer.2.layer_norm.weight",
                         "unexpected (1)", "decoder.block.9.extra.weight"},
                        &message));
  }

  void embedding_copies_must_equal_shared() {
    // Older files carry encoder/decoder.embed_tokens copies of shared.weight: equal copies load,
    // a copy that differs would silently change the model and is refused.
    SafetensorsFile st(fixture("v11_untied_f32") / "model.safetensors");
    auto write_with_copy = [&](const std::string& folder, double offset) {
      copy_folder(fixture("v11_untied_f32"), tmp(folder));
      std::vector<std::pair<std::string, at::Tensor>> tensors;
      for (const auto& [name, e] : st.entries()) tensors.emplace_back(name, st.load(name));
      tensors.emplace_back("encoder.embed_tokens.weight", st.load("shared.weight") + offset);
      write_safetensors(tmp(folder) / "model.safetensors", tensors);
    };
    write_with_copy("same_embeds", 0.0);
    T5Model model = load_t5(tmp("same_embeds"));
    QVERIFY(at::equal(model->shared->weight, st.load("shared.weight")));
    write_with_copy("other_embeds", 1.0);
    QVERIFY(throws_with([&] { load_t5(tmp("other_embeds")); },
                        {"encoder.embed_tokens.weight", "differs from shared.weight"}));
  }

  void corrupt_safetensors_is_refused() {
    copy_folder(fixture("v10_tied_f32"), tmp("corrupt"));
    const fs::path file = tmp("corrupt") / "model.safetensors";
    fs::resize_file(file, fs::file_size(file) / 2);
    QVERIFY(throws_with([&] { load_t5(tmp("corrupt")); }, {"model.safetensors", "Truncated"}));
  }

  void relative_position_buckets_follow_t5() {
    // Expected values from transformers' formula (32 buckets, max distance 128), computed in
    // Python.
    const std::vector<int64_t> offsets{-200, -20, -8, -1, 0, 1, 7, 8, 20, 127, 500};
    const at::Tensor rel = at::tensor(offsets, at::kLong);
    auto as_vector = [](const at::Tensor& t) {
      return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
    };
    QCOMPARE(as_vector(relative_position_bucket(rel, true, 32, 128)),
             (std::vector<int64_t>{15, 10, 8, 1, 0, 17, 23, 24, 26, 31, 31}));
    QCOMPARE(as_vector(relative_position_bucket(rel, false, 32, 128)),
             (std::vector<int64_t>{31, 17, 8, 1, 0, 0, 0, 0, 0, 0, 0}));
  }
};

QTEST_GUILESS_MAIN(TestT5Parity)
#include "tst_t5_parity.moc"

#include <ATen/ATen.h>

#include "core/model/Safetensors.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::throws_with;
namespace fs = std::filesystem;

class TestSafetensors : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path path(const char* name) const { return fs::path(dir_.path().toStdString()) / name; }

  // A valid file with one F32 tensor "w" of shape [2, 3]; returns its bytes.
  std::string small_file() {
    const fs::path p = path("small.safetensors");
    write_safetensors(p, {{"w", at::arange(6, at::kFloat).view({2, 3})}});
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private Q_SLOTS:
  void round_trip_f32_is_bit_exact() {
    at::manual_seed(7);
    const at::Tensor a = at::randn({4, 5});
    const at::Tensor b = at::randn({3});
    const at::Tensor scalar = at::scalar_tensor(3.25, at::kFloat);
    const at::Tensor empty = at::zeros({0, 4});
    write_safetensors(path("rt.safetensors"), {{"b", b}, {"a", a}, {"s", scalar}, {"e", empty}},
                      {{"hwb_config", "{\"x\":1}"}});
    SafetensorsFile f(path("rt.safetensors"));
    QCOMPARE(f.entries().size(), std::size_t{4});
    QVERIFY(at::equal(f.load("a"), a));
    QVERIFY(at::equal(f.load("b"), b));
    QCOMPARE(f.load("s").dim(), 0);
    QCOMPARE(f.load("s").item<float>(), 3.25f);
    QCOMPARE(f.load("e").sizes().vec(), (std::vector<int64_t>{0, 4}));
    QCOMPARE(f.metadata().at("hwb_config"), std::string("{\"x\":1}"));
    QCOMPARE(f.entries().at("a").dtype, std::string("F32"));
  }

  void half_precision_is_converted_on_load() {
    at::manual_seed(3);
    const at::Tensor x = at::randn({8, 2});
    write_safetensors(path("h.safetensors"), {{"h", x.to(at::kHalf)}, {"bf", x.to(at::kBFloat16)}});
    SafetensorsFile f(path("h.safetensors"));
    QCOMPARE(f.entries().at("h").dtype, std::string("F16"));
    QCOMPARE(f.entries().at("bf").dtype, std::string("BF16"));
    QVERIFY(at::equal(f.load("h"), x.to(at::kHalf).to(at::kFloat)));
    QVERIFY(at::equal(f.load("bf"), x.to(at::kBFloat16).to(at::kFloat)));
    QCOMPARE(f.load("bf", at::kBFloat16).scalar_type(), at::kBFloat16);
    // The data section starts 8-byte aligned, as the reference writer has it.
    std::ifstream in(path("h.safetensors"), std::ios::binary);
    uint64_t header_len = 0;
    in.read(reinterpret_cast<char*>(&header_len), 8);
    QCOMPARE(header_len % 8, uint64_t{0});
  }

  void truncated_file_is_refused() {
    const std::string bytes = small_file();
    hwb::test::write_text(path("cut.safetensors"), bytes.substr(0, bytes.size() - 5));
    QVERIFY(throws_with([&] { SafetensorsFile f(path("cut.safetensors")); },
                        {"cut.safetensors", "'w'", "outside the data section"}));
    hwb::test::write_text(path("tiny.safetensors"), bytes.substr(0, 5));
    QVERIFY(throws_with([&] { SafetensorsFile f(path("tiny.safetensors")); },
                        {"tiny.safetensors", "Truncated"}));
  }

  void corrupted_header_is_refused() {
    std::string bytes = small_file();
    std::string bad_json = bytes;
    bad_json[9] = '#';  // inside the JSON header
    hwb::test::write_text(path("badjson.safetensors"), bad_json);
    QVERIFY(throws_with([&] { SafetensorsFile f(path("badjson.safetensors")); },
                        {"badjson.safetensors", "not valid JSON"}));

    std::string huge_len = bytes;
    huge_len[6] = '\x7f';  // a header length of petabytes
    hwb::test::write_text(path("len.safetensors"), huge_len);
    QVERIFY(throws_with([&] { SafetensorsFile f(path("len.safetensors")); },
                        {"len.safetensors", "header claims"}));

    // A shape that does not match its byte range.
    std::string wrong_shape = bytes;
    const auto pos = wrong_shape.find("[2,3]");
    QVERIFY(pos != std::string::npos);
    wrong_shape.replace(pos, 5, "[3,3]");
    hwb::test::write_text(path("shape.safetensors"), wrong_shape);
    QVERIFY(throws_with([&] { SafetensorsFile f(path("shape.safetensors")); },
                        {"shape.safetensors", "'w'", "36 bytes"}));
  }

  void missing_file_and_tensor_are_named() {
    QVERIFY(throws_with([&] { SafetensorsFile f(path("nope.safetensors")); },
                        {"nope.safetensors", "Cannot open"}));
    small_file();
    SafetensorsFile f(path("small.safetensors"));
    QVERIFY(throws_with([&] { f.load("absent"); }, {"'absent'", "small.safetensors"}));
  }

  void failed_write_keeps_the_previous_file() {
    const std::string before = small_file();
    // int64 cannot be stored: the write is refused and the old file stays.
    QVERIFY(throws_with(
        [&] {
          write_safetensors(path("small.safetensors"), {{"i", at::arange(3)}});
        },
        {"Cannot store dtype"}));
    std::ifstream in(path("small.safetensors"), std::ios::binary);
    QCOMPARE(std::string(std::istreambuf_iterator<char>(in), {}), before);
    // No temporary is left behind.
    int files = 0;
    for (const auto& e : fs::directory_iterator(path("")))
      files += e.path().filename().string()[0] == '.';
    QCOMPARE(files, 0);
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"

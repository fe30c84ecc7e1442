// The model and data manager against a local server laid out as the Hugging Face Hub and GLUE's
// download host are (tests/FakeHubServer.h): what is fetched, that it loads, resuming, checksums,
// errors and the messages a person sees, in the library and through `hyperformer fetch`.

#include <sys/resource.h>
#include <zip.h>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <signal.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "TestUtil.h"
#include "core/data/ExampleReader.h"
#include "core/data/GlueTasks.h"
#include "core/fetch/DataDirs.h"
#include "core/fetch/Digest.h"
#include "core/fetch/FetchCatalog.h"
#include "core/fetch/GlueFetcher.h"
#include "core/fetch/LocalInventory.h"
#include "core/fetch/ModelFetcher.h"
#include "core/fetch/ResumableDownload.h"
#include "core/fetch/ZipExtractor.h"
#include "core/model/ModelProbe.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"
#include "tests/FakeHubServer.h"

namespace fs = std::filesystem;
using namespace hwb;
using hwb::test::FakeHubServer;
using hwb::test::throws_with;

namespace {

const fs::path kFixtures = HWB_TEST_DATA_DIR;
const fs::path kTinyT5 = kFixtures / "t5" / "v10_tied_f32";
const fs::path kShardedT5 = kFixtures / "t5" / "v11_untied_bf16_sharded";
const std::string kRepo = "google-t5/t5-small";

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t size_of(const fs::path& file) {
  return static_cast<int64_t>(fs::file_size(file));
}

// A T5 repository as the Hub has it: small files in git, weights and the vocabulary in LFS, and
// formats this program must not fetch beside them.
std::vector<FakeHubServer::RepoFile> t5_repo(const fs::path& fixture, bool with_vocabulary = true) {
  std::vector<FakeHubServer::RepoFile> files = {
      {"config.json", read_file(fixture / "config.json"), false},
      {"model.safetensors", read_file(fixture / "model.safetensors"), true},
      {"pytorch_model.bin", "PyTorch weights, never fetched", true},
      {"tf_model.h5", "TensorFlow weights, never fetched", true},
      {"README.md", "# a model card\n", false},
  };
  if (with_vocabulary)
    files.push_back({"spiece.model", read_file(find_resource("t5/spiece.model")), true});
  return files;
}

std::string cdn_path(const fs::path& file) {
  return "/cdn/" + FakeHubServer::sha256_hex(read_file(file));
}

ModelFetchOptions options_for(const FakeHubServer& hub, const fs::path& folder) {
  ModelFetchOptions o;
  o.hub.endpoint = hub.url();
  o.folder = folder;
  o.known_repos = {"google-t5/t5-small", "google-t5/t5-base", "google/flan-t5-small"};
  return o;
}

ModelFetchResult fetch_model(const FakeHubServer& hub, const fs::path& folder,
                             const std::string& repo = kRepo,
                             const FetchProgressFn& progress = {}) {
  HttpClient http;
  return ModelFetcher(http, options_for(hub, folder)).fetch(repo, progress);
}

std::vector<FakeHubServer::Request> requests_to(const FakeHubServer& hub, const std::string& part) {
  std::vector<FakeHubServer::Request> found;
  for (const auto& r : hub.requests()) {
    if (r.path.find(part) != std::string::npos) found.push_back(r);
  }
  return found;
}

// A zip archive made with libzip: entries stored uncompressed when `stored` (so a test can find
// and damage their bytes), deflated otherwise.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries, bool stored,
                     const fs::path& scratch) {
  int error = 0;
  zip_t* z = zip_open(scratch.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!z) qFatal("zip_open failed: %d", error);
  for (const auto& [name, content] : entries) {
    if (name.back() == '/') {
      zip_dir_add(z, name.c_str(), ZIP_FL_ENC_UTF_8);
      continue;
    }
    zip_source_t* source = zip_source_buffer(z, content.data(), content.size(), 0);
    const zip_int64_t index = zip_file_add(z, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) qFatal("zip_file_add failed: %s", zip_strerror(z));
    zip_set_file_compression(z, static_cast<zip_uint64_t>(index),
                             stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
  }
  if (zip_close(z) != 0) qFatal("zip_close failed");
  return read_file(scratch);
}

// GLUE's RTE.zip made of the committed RTE fixture's train and dev files.
std::string rte_fixture_zip(bool stored, const fs::path& file) {
  const fs::path fixture = kFixtures / "glue" / "RTE";
  return make_zip({{"RTE/train.tsv", read_file(fixture / "train.tsv")},
                   {"RTE/dev.tsv", read_file(fixture / "dev.tsv")}},
                  stored, file);
}

// The catalog's source for `task`, pointed at files of the given content.
GlueSource glue_source(const std::string& task, const std::vector<std::string>& contents) {
  const FetchCatalog catalog =
      FetchCatalog::load(find_resource("catalog/models.json"), find_resource("catalog/glue.json"));
  GlueSource source = *catalog.find_glue(task);
  for (std::size_t i = 0; i < contents.size(); ++i) {
    source.files[i].size = static_cast<int64_t>(contents[i].size());
    source.files[i].sha256 = FakeHubServer::sha256_hex(contents[i]);
  }
  return source;
}

std::vector<Example> read_examples(const std::string& task, const fs::path& glue_dir,
                                   const fs::path& file) {
  return ExampleReader(GlueTasks::definition(task, glue_dir))
      .read(file, BadRowPolicy::kRefuse)
      .examples;
}

// A port nothing listens on: bound, then released.
uint16_t closed_port() {
  FakeHubServer probe;
  return probe.port();
}

struct CliRun {
  int exit_code = -1;
  QString out;
  QString err;
};

}  // namespace

class TestFetch : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void digests_match_known_values() {
    Digest sha256(Digest::Kind::kSha256);
    sha256.update("abc");
    QCOMPARE(sha256.hex(),
             std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "hello";
    test::write_text(file, "hello\n");
    // `echo hello | git hash-object --stdin`
    QCOMPARE(Digest::git_blob_sha1(file), std::string("ce013625030ba8dba906f756967f9e9ca394464a"));
  }

  void fetches_a_t5_checkpoint_that_loads() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5));
    QTemporaryDir dir;
    const fs::path folder = DataDirs::model_folder(dir.path().toStdString(), kRepo);
    std::vector<FetchProgress> reports;
    const ModelFetchResult result = fetch_model(hub, folder, kRepo, [&](const FetchProgress& p) {
      reports.push_back(p);
      return true;
    });
    QCOMPARE(folder.filename().string(), std::string("google-t5--t5-small"));
    QCOMPARE(result.files,
             (std::vector<std::string>{"config.json", "spiece.model", "model.safetensors"}));
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(kTinyT5 / "model.safetensors"));
    QCOMPARE(read_file(folder / "config.json"), read_file(kTinyT5 / "config.json"));
    QVERIFY(!fs::exists(folder / "pytorch_model.bin"));
    QVERIFY(requests_to(hub, "pytorch_model").empty());
    QVERIFY(requests_to(hub, "tf_model").empty());
    QVERIFY(requests_to(hub, "README").empty());
    // The weights came the Hub's way: resolve, then the redirect to the CDN.
    QCOMPARE(requests_to(hub, "/google-t5/t5-small/resolve/main/model.safetensors").size(), 1u);
    QCOMPARE(requests_to(hub, cdn_path(kTinyT5 / "model.safetensors")).size(), 1u);

    const int64_t total = size_of(folder / "config.json") + size_of(folder / "spiece.model") +
                          size_of(folder / "model.safetensors");
    QCOMPARE(result.bytes, total);
    QCOMPARE(result.transferred, total);
    QVERIFY(!reports.empty());
    QCOMPARE(reports.back().item_done, total);
    QCOMPARE(reports.back().item_total, total);
    QCOMPARE(reports.back().file_index, 3);

    // What `hyperformer inspect --model <folder>` does.
    const auto fetched = ModelProbe::open(folder.string());
    const auto original = ModelProbe::open(kTinyT5.string());
    QVERIFY(fetched->summary().total_parameters > 0);
    QCOMPARE(fetched->summary().total_parameters, original->summary().total_parameters);
    QCOMPARE(fetched->summary().config.d_model, original->summary().config.d_model);

    const LocalStatus status = LocalInventory::model(folder);
    QCOMPARE(status.state, LocalState::kReady);
    QCOMPARE(status.bytes, total);

    // A second fetch finds everything verified and transfers nothing.
    hub.clear_log();
    const ModelFetchResult again = fetch_model(hub, folder);
    QCOMPARE(again.transferred, int64_t{0});
    QCOMPARE(hub.body_bytes("/"), int64_t{0});
  }

  void an_empty_file_is_fetched_too() {
    FakeHubServer hub;
    std::vector<FakeHubServer::RepoFile> files = t5_repo(kTinyT5, false);
    files.push_back({"special_tokens_map.json", "", false});
    hub.set_repo(kRepo, files);
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    const ModelFetchResult result = fetch_model(hub, folder);
    QCOMPARE(result.files.size(), 3u);
    QVERIFY(fs::is_regular_file(folder / "special_tokens_map.json"));
    QCOMPARE(size_of(folder / "special_tokens_map.json"), int64_t{0});
    QCOMPARE(LocalInventory::model(folder).state, LocalState::kReady);
  }

  void fetches_sharded_weights() {
    FakeHubServer hub;
    std::vector<FakeHubServer::RepoFile> files = {
        {"config.json", read_file(kShardedT5 / "config.json"), false},
        {"model.safetensors.index.json", read_file(kShardedT5 / "model.safetensors.index.json"),
         false}};
    for (int i = 1; i <= 4; ++i) {
      const std::string shard = "model-0000" + std::to_string(i) + "-of-00004.safetensors";
      files.push_back({shard, read_file(kShardedT5 / shard), true});
    }
    hub.set_repo("google/t5-v1_1-small", files);
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "sharded";
    const ModelFetchResult result = fetch_model(hub, folder, "google/t5-v1_1-small");
    QCOMPARE(result.files.size(), 6u);
    for (int i = 1; i <= 4; ++i) {
      const std::string shard = "model-0000" + std::to_string(i) + "-of-00004.safetensors";
      QCOMPARE(read_file(folder / shard), read_file(kShardedT5 / shard));
    }
    QCOMPARE(ModelProbe::open(folder.string())->summary().total_parameters,
             ModelProbe::open(kShardedT5.string())->summary().total_parameters);
  }

  void resumes_after_a_dropped_connection() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5));
    const std::string weights = cdn_path(kTinyT5 / "model.safetensors");
    const int64_t size = size_of(kTinyT5 / "model.safetensors");
    hub.drop_after(weights, 50000);
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    QVERIFY(throws_with(
        [&] { fetch_model(hub, folder); },
        {"the transfer of model.safetensors of google-t5/t5-small from 127.0.0.1:", "broke off",
         "received so far are kept in", "model.safetensors.part", "resumes from there"}));
    const fs::path part = ResumableDownload::part_path(folder / "model.safetensors");
    QCOMPARE(size_of(part), int64_t{50000});
    QVERIFY(!fs::exists(folder / "model.safetensors"));
    QCOMPARE(LocalInventory::model(folder).state, LocalState::kPartial);
    QCOMPARE(hub.body_bytes(weights), int64_t{50000});

    hub.clear_log();
    const ModelFetchResult result = fetch_model(hub, folder);
    QCOMPARE(result.resumed_bytes, int64_t{50000});
    const auto asks = requests_to(hub, weights);
    QCOMPARE(asks.size(), 1u);
    QCOMPARE(asks[0].headers.at("range"), std::string("bytes=50000-"));
    // Only the rest came the second time: the file crossed the wire once in all.
    QCOMPARE(hub.body_bytes(weights), size - 50000);
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(kTinyT5 / "model.safetensors"));
    QVERIFY(!fs::exists(part));
    QVERIFY(!fs::exists(ResumableDownload::sidecar_path(folder / "model.safetensors")));
    QCOMPARE(LocalInventory::model(folder).state, LocalState::kReady);
  }

  void a_server_ignoring_the_range_restarts_from_zero() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    const std::string weights = cdn_path(kTinyT5 / "model.safetensors");
    const int64_t size = size_of(kTinyT5 / "model.safetensors");
    hub.drop_after(weights, 50000);
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    QVERIFY(throws_with([&] { fetch_model(hub, folder); }, {"broke off"}));
    hub.ignore_range(true);
    hub.clear_log();
    const ModelFetchResult result = fetch_model(hub, folder);
    QCOMPARE(requests_to(hub, weights).at(0).headers.at("range"), std::string("bytes=50000-"));
    QCOMPARE(hub.body_bytes(weights), size);  // the whole file, written from its first byte
    QCOMPARE(result.resumed_bytes, int64_t{0});
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(kTinyT5 / "model.safetensors"));
  }

  void corrupted_bytes_are_deleted_never_renamed() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    const std::string weights = cdn_path(kTinyT5 / "model.safetensors");
    hub.corrupt(weights);
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    const std::string sha = FakeHubServer::sha256_hex(read_file(kTinyT5 / "model.safetensors"));
    std::string message;
    QVERIFY(
        throws_with([&] { fetch_model(hub, folder); },
                    {"checksum mismatch for model.safetensors of google-t5/t5-small: expected " +
                         sha + ", got ",
                     "; it was deleted, run the fetch again"},
                    &message));
    const std::string got = message.substr(message.find(", got ") + 6, 64);
    QVERIFY(got != sha);
    QCOMPARE(got.size(), 64u);
    QVERIFY(!fs::exists(folder / "model.safetensors"));
    QVERIFY(!fs::exists(ResumableDownload::part_path(folder / "model.safetensors")));
    QVERIFY(!fs::exists(ResumableDownload::sidecar_path(folder / "model.safetensors")));
    QVERIFY(fs::exists(folder / "config.json"));  // what was verified before stays
    QCOMPARE(LocalInventory::model(folder).state, LocalState::kPartial);

    fetch_model(hub, folder);
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(kTinyT5 / "model.safetensors"));
  }

  void a_corrupted_small_file_fails_its_git_blob_id() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    hub.corrupt("/resolve/main/config.json");
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    const std::string oid = FakeHubServer::git_blob_sha1_hex(read_file(kTinyT5 / "config.json"));
    QVERIFY(
        throws_with([&] { fetch_model(hub, folder); },
                    {"checksum mismatch for config.json of google-t5/t5-small: expected " + oid}));
    QVERIFY(!fs::exists(folder / "config.json"));
    QVERIFY(requests_to(hub, "/cdn/").empty());  // nothing big was started
  }

  void a_changed_upstream_file_discards_the_partial() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    hub.drop_after(cdn_path(kTinyT5 / "model.safetensors"), 30000);
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    QVERIFY(throws_with([&] { fetch_model(hub, folder); }, {"broke off"}));
    QCOMPARE(size_of(ResumableDownload::part_path(folder / "model.safetensors")), int64_t{30000});

    // Upstream now has other weights (the same model saved as float16).
    const fs::path other = kFixtures / "t5" / "v10_tied_f16";
    hub.set_repo(kRepo, t5_repo(other, false));
    hub.clear_log();
    const ModelFetchResult result = fetch_model(hub, folder);
    QCOMPARE(result.resumed_bytes, int64_t{0});
    const auto asks = requests_to(hub, cdn_path(other / "model.safetensors"));
    QCOMPARE(asks.size(), 1u);
    QVERIFY(!asks[0].headers.count("range"));
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(other / "model.safetensors"));
  }

  void cancelling_keeps_the_partial_for_the_next_fetch() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    hub.throttle(8192, std::chrono::milliseconds(5));
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    QVERIFY(throws_with(
        [&] {
          fetch_model(hub, folder, kRepo, [](const FetchProgress& p) {
            return !(p.file == "model.safetensors" && p.file_done >= 16384);
          });
        },
        {"cancelled: model.safetensors of google-t5/t5-small stopped at",
         "received so far are kept"}));
    const fs::path part = ResumableDownload::part_path(folder / "model.safetensors");
    const int64_t kept = size_of(part);
    QVERIFY(kept >= 16384);
    QVERIFY(kept < size_of(kTinyT5 / "model.safetensors"));

    hub.throttle(0, std::chrono::milliseconds(0));
    hub.clear_log();
    const ModelFetchResult result = fetch_model(hub, folder);
    QCOMPARE(result.resumed_bytes, kept);
    QCOMPARE(requests_to(hub, "/cdn/").at(0).headers.at("range"),
             "bytes=" + std::to_string(kept) + "-");
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(kTinyT5 / "model.safetensors"));
  }

  void a_failed_write_names_the_file_and_keeps_what_was_written() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    // A file size limit makes write() fail the way a full disk does, without filling one.
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = old;
    limited.rlim_cur = 40000;
    setrlimit(RLIMIT_FSIZE, &limited);
    std::string message;
    const bool threw = throws_with(
        [&] { fetch_model(hub, folder); },
        {"cannot write '" + (folder / "model.safetensors.part").string() + "': File too large",
         "or choose another folder", "received so far are kept"},
        &message);
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    QVERIFY2(threw, message.c_str());
    QCOMPARE(size_of(folder / "model.safetensors.part"), int64_t{40000});
    const ModelFetchResult result = fetch_model(hub, folder);
    QCOMPARE(result.resumed_bytes, int64_t{40000});
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(kTinyT5 / "model.safetensors"));
  }

  void a_mistyped_id_is_named_with_the_right_spelling() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    QVERIFY(
        throws_with([&] { fetch_model(hub, folder, "google-t5/t5-smal"); },
                    {"has no model 'google-t5/t5-smal'", "401 Unauthorized",
                     "Check the exact spelling", "HF_TOKEN", "Did you mean google-t5/t5-small?"}));
    QVERIFY(!fs::exists(folder));
    QVERIFY(throws_with([&] { fetch_model(hub, folder, "../t5-small"); },
                        {"'../t5-small' is not a Hugging Face Hub model id"}));
  }

  void an_unknown_revision_is_named() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    QTemporaryDir dir;
    ModelFetchOptions o = options_for(hub, fs::path(dir.path().toStdString()) / "m");
    o.hub.revision = "v2";
    HttpClient http;
    QVERIFY(throws_with([&] { ModelFetcher(http, o).fetch(kRepo, {}); },
                        {"has no revision 'v2' of google-t5/t5-small"}));
  }

  void a_repository_without_safetensors_says_so() {
    FakeHubServer hub;
    hub.set_repo("old/t5", {{"config.json", read_file(kTinyT5 / "config.json"), false},
                            {"pytorch_model.bin", "weights", true}});
    QTemporaryDir dir;
    QVERIFY(
        throws_with([&] { fetch_model(hub, fs::path(dir.path().toStdString()) / "m", "old/t5"); },
                    {"old/t5 at revision main has no safetensors weights",
                     "it has pytorch_model.bin", "reads safetensors only"}));
  }

  void a_model_that_is_not_t5_is_refused_before_its_weights() {
    FakeHubServer hub;
    hub.set_repo("someone/bert", {{"config.json", R"({"model_type": "bert"})", false},
                                  {"model.safetensors", "weights", true}});
    QTemporaryDir dir;
    QVERIFY(throws_with(
        [&] { fetch_model(hub, fs::path(dir.path().toStdString()) / "m", "someone/bert"); },
        {"someone/bert is a 'bert' model", "not T5"}));
    QVERIFY(requests_to(hub, "/cdn/").empty());
  }

  void offline_is_a_clear_message() {
    const uint16_t port = closed_port();
    QTemporaryDir dir;
    ModelFetchOptions o;
    o.hub.endpoint = "http://127.0.0.1:" + std::to_string(port);
    o.folder = fs::path(dir.path().toStdString()) / "m";
    HttpClient http;
    QVERIFY(throws_with([&] { ModelFetcher(http, o).fetch(kRepo, {}); },
                        {"cannot reach 127.0.0.1:" + std::to_string(port) + " (",
                         "): this computer seems to be offline. Connect and run the fetch again; "
                         "files already downloaded are kept."}));
  }

  void the_token_goes_to_the_hub_as_a_bearer() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    QTemporaryDir dir;
    ModelFetchOptions o = options_for(hub, fs::path(dir.path().toStdString()) / "m");
    o.hub.token = "hf_example";
    HttpClient http;
    ModelFetcher(http, o).fetch(kRepo, {});
    QCOMPARE(requests_to(hub, "/api/models/").at(0).headers.at("authorization"),
             std::string("Bearer hf_example"));
  }

  void an_unwritable_destination_names_the_folder() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    QTemporaryDir dir;
    const fs::path blocker = fs::path(dir.path().toStdString()) / "blocker";
    test::write_text(blocker, "a file where a folder should go");
    QVERIFY(throws_with([&] { fetch_model(hub, blocker / "models" / "m"); },
                        {"cannot create the folder '" + (blocker / "models" / "m").string() + "'",
                         "choose another folder"}));
  }

  void catalog_matches_the_glue_readers() {
    const FetchCatalog catalog = FetchCatalog::load(find_resource("catalog/models.json"),
                                                    find_resource("catalog/glue.json"));
    QCOMPARE(catalog.find_model("t5-small")->repo, std::string("google-t5/t5-small"));
    QCOMPARE(catalog.find_model("google/flan-t5-base")->name, std::string("flan-t5-base"));
    QCOMPARE(catalog.glue().size(), GlueTasks::names().size());
    for (const GlueSource& source : catalog.glue()) {
      QVERIFY2(GlueTasks::contains(source.task), source.task.c_str());
      QCOMPARE(source.folder, GlueTasks::folder(source.task));
      std::vector<std::string> needed;
      for (const auto& [role, file] : GlueTasks::definition(source.task, "/glue").files) {
        needed.push_back(file.filename().string());
      }
      std::sort(needed.begin(), needed.end());
      std::vector<std::string> required = source.required;
      std::sort(required.begin(), required.end());
      QCOMPARE(required, needed);
      QVERIFY(source.download_size() > 0);
      for (const RemoteFile& f : source.files) QCOMPARE(f.sha256.size(), 64u);
    }
    QCOMPARE(catalog.find_glue("SST-2"), catalog.find_glue("sst2"));
  }

  void a_glue_zip_becomes_the_folder_the_readers_read() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const fs::path fixture = kFixtures / "glue" / "SST-2";
    const std::string zip = make_zip({{"SST-2/", ""},
                                      {"SST-2/train.tsv", read_file(fixture / "train.tsv")},
                                      {"SST-2/dev.tsv", read_file(fixture / "dev.tsv")},
                                      {"SST-2/original/README.txt", "the treebank's notes\n"},
                                      {"__MACOSX/SST-2/._train.tsv", "resource fork"}},
                                     false, root / "made.zip");
    FakeHubServer server;
    server.set_file("/glue/data/SST-2.zip", zip);
    const GlueSource source = glue_source("sst2", {zip});
    const fs::path glue = root / "glue";
    HttpClient http;
    GlueFetcher fetcher(http, {server.url(), glue});
    const GlueFetchResult result = fetcher.fetch(source, {});
    QCOMPARE(result.folder, glue / "SST-2");
    QCOMPARE(result.transferred, static_cast<int64_t>(zip.size()));
    std::vector<std::string> files = result.files;
    std::sort(files.begin(), files.end());
    QCOMPARE(files, (std::vector<std::string>{"dev.tsv", "original/README.txt", "train.tsv"}));

    const auto fetched = read_examples("sst2", glue, glue / "SST-2" / "train.tsv");
    const auto original = read_examples("sst2", kFixtures / "glue", fixture / "train.tsv");
    QCOMPARE(fetched.size(), 12u);
    QCOMPARE(fetched.size(), original.size());
    for (std::size_t i = 0; i < fetched.size(); ++i) {
      QCOMPARE(fetched[i].source, original[i].source);
      QCOMPARE(fetched[i].target, original[i].target);
    }
    // Only the task folder is left: no staging folder, no download.
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(glue)) left.push_back(e.path().filename().string());
    QCOMPARE(left, std::vector<std::string>{"SST-2"});
    QCOMPARE(LocalInventory::glue(glue, source).state, LocalState::kReady);
    QVERIFY(GlueFetcher(http, {server.url(), glue}).fetch(source, {}).already_present);
  }

  void a_glue_download_resumes_and_a_half_task_never_shows() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const fs::path fixture = kFixtures / "glue" / "RTE";
    const std::string zip = rte_fixture_zip(true, root / "made.zip");
    FakeHubServer server;
    server.set_file("/glue/data/RTE.zip", zip);
    server.drop_after("/glue/data/RTE.zip", 1000);
    const GlueSource source = glue_source("rte", {zip});
    const fs::path glue = root / "glue";
    HttpClient http;
    QVERIFY(throws_with(
        [&] {
          GlueFetcher(http, {server.url(), glue}).fetch(source, {});
        },
        {"the transfer of RTE.zip (GLUE RTE) from 127.0.0.1", "broke off"}));
    QVERIFY(!fs::exists(glue / "RTE"));
    const LocalStatus partial = LocalInventory::glue(glue, source);
    QCOMPARE(partial.state, LocalState::kPartial);
    QCOMPARE(partial.bytes, int64_t{1000});

    server.clear_log();
    const GlueFetchResult result = GlueFetcher(http, {server.url(), glue}).fetch(source, {});
    QCOMPARE(result.resumed_bytes, int64_t{1000});
    QCOMPARE(requests_to(server, "RTE.zip").at(0).headers.at("range"), std::string("bytes=1000-"));
    QCOMPARE(server.body_bytes("RTE.zip"), static_cast<int64_t>(zip.size()) - 1000);
    QCOMPARE(read_examples("rte", glue, glue / "RTE" / "dev.tsv").size(),
             read_examples("rte", kFixtures / "glue", fixture / "dev.tsv").size());
  }

  void an_incomplete_task_folder_is_moved_aside_not_deleted() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const fs::path fixture = kFixtures / "glue" / "RTE";
    const std::string zip = rte_fixture_zip(false, root / "made.zip");
    FakeHubServer server;
    server.set_file("/glue/data/RTE.zip", zip);
    const fs::path glue = root / "glue";
    fs::create_directories(glue / "RTE");
    test::write_text(glue / "RTE" / "my_notes.txt", "my own notes");
    QCOMPARE(LocalInventory::glue(glue, glue_source("rte", {zip})).state, LocalState::kAbsent);
    HttpClient http;
    const GlueFetchResult result =
        GlueFetcher(http, {server.url(), glue}).fetch(glue_source("rte", {zip}), {});
    QCOMPARE(result.moved_aside, glue / "RTE.before-fetch");
    QCOMPARE(read_file(glue / "RTE.before-fetch" / "my_notes.txt"), std::string("my own notes"));
    QCOMPARE(read_file(glue / "RTE" / "dev.tsv"), read_file(fixture / "dev.tsv"));
  }

  void a_glue_archive_with_the_wrong_checksum_is_refused() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const std::string zip = make_zip({{"RTE/train.tsv", "x"}}, true, root / "made.zip");
    FakeHubServer server;
    server.set_file("/glue/data/RTE.zip", zip);
    GlueSource source = glue_source("rte", {zip});
    source.files[0].sha256 = std::string(64, '0');
    HttpClient http;
    QVERIFY(throws_with(
        [&] {
          GlueFetcher(http, {server.url(), root / "glue"}).fetch(source, {});
        },
        {"checksum mismatch for RTE.zip (GLUE RTE): expected " + std::string(64, '0'),
         "it was deleted"}));
    QVERIFY(!fs::exists(root / "glue" / "RTE"));
  }

  void a_damaged_archive_entry_is_named() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    std::string zip = make_zip({{"SST-2/train.tsv", "sentence\tlabel\na fine film\t1\n"}}, true,
                               root / "made.zip");
    zip[zip.find("a fine film")] = 'A';
    test::write_text(root / "damaged.zip", zip);
    QVERIFY(throws_with([&] { ZipExtractor(root / "damaged.zip").extract("SST-2", root / "out"); },
                        {"entry SST-2/train.tsv is damaged", "CRC"}));

    test::write_text(root / "escape.zip",
                     make_zip({{"SST-2/../../escaped.txt", "x"}}, true, root / "made2.zip"));
    QVERIFY(throws_with([&] { ZipExtractor(root / "escape.zip").extract("SST-2", root / "out2"); },
                        {"leads out of the folder"}));
    QVERIFY(!fs::exists(root / "escaped.txt"));
  }

  void mrpc_is_built_from_microsofts_files() {
    // Microsoft's layout (byte order mark, CRLF, the dev rows inside the train file), made from the
    // MRPC fixture so the built files can be compared with it.
    const fs::path fixture = kFixtures / "glue" / "MRPC";
    auto rows = [](const fs::path& file) {
      std::vector<std::string> out;
      std::istringstream in(read_file(file));
      std::string line;
      std::getline(in, line);  // header
      while (std::getline(in, line)) out.push_back(line);
      return out;
    };
    const auto train_rows = rows(fixture / "train.tsv");
    const auto dev_rows = rows(fixture / "dev.tsv");
    std::string msr_train = "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n";
    std::string dev_ids;
    for (std::size_t i = 0; i < train_rows.size() || i < dev_rows.size(); ++i) {
      if (i < train_rows.size()) msr_train += train_rows[i] + "\r\n";
      if (i < dev_rows.size()) {
        msr_train += dev_rows[i] + "\r\n";
        std::istringstream fields(dev_rows[i]);
        std::string quality, id1, id2;
        std::getline(fields, quality, '\t');
        std::getline(fields, id1, '\t');
        std::getline(fields, id2, '\t');
        dev_ids += id1 + "\t" + id2 + "\r\n";
      }
    }
    std::string msr_test = "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n";
    for (const auto& r : dev_rows) msr_test += r + "\r\n";

    FakeHubServer server;
    server.set_file("/senteval/senteval_data/msr_paraphrase_train.txt", msr_train);
    server.set_file("/senteval/senteval_data/msr_paraphrase_test.txt", msr_test);
    server.set_file("/glue/data/mrpc_dev_ids.tsv", dev_ids);
    const GlueSource source = glue_source("mrpc", {msr_train, msr_test, dev_ids});
    QTemporaryDir dir;
    const fs::path glue = fs::path(dir.path().toStdString()) / "glue";
    HttpClient http;
    GlueFetcher(http, {server.url(), glue}).fetch(source, {});
    QCOMPARE(rows(glue / "MRPC" / "train.tsv"), train_rows);
    QCOMPARE(rows(glue / "MRPC" / "dev.tsv"), dev_rows);
    const auto test_rows = rows(glue / "MRPC" / "test.tsv");
    QCOMPARE(test_rows.size(), dev_rows.size());
    QVERIFY(test_rows[0].rfind("0\t", 0) == 0);  // an index, not the label
    QCOMPARE(read_examples("mrpc", glue, glue / "MRPC" / "train.tsv").size(), train_rows.size());
    QCOMPARE(read_examples("mrpc", glue, glue / "MRPC" / "dev.tsv").size(), dev_rows.size());
  }

  void ctrl_c_cancels_and_keeps_the_partial_file() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    hub.throttle(4096, std::chrono::milliseconds(50));  // about three seconds for the weights
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "m";
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HF_ENDPOINT", QString::fromStdString(hub.url()));
    p.setProcessEnvironment(env);
    p.start(HWB_CLI_PATH,
            {"fetch", "model", "t5-small", "--dest", QString::fromStdString(folder.string())});
    QVERIFY(p.waitForStarted());
    const fs::path part = ResumableDownload::part_path(folder / "model.safetensors");
    QTRY_VERIFY_WITH_TIMEOUT(fs::exists(part) && fs::file_size(part) > 8192, 60000);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(30000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    qInfo().noquote() << err;
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(err.contains("error: cancelled: model.safetensors of google-t5/t5-small stopped at "));
    QVERIFY(err.contains("received so far are kept"));
    QVERIFY(fs::file_size(part) > 8192);
    QVERIFY(!fs::exists(folder / "model.safetensors"));
  }

  void the_command_line_resumes_checks_and_loads() {
    FakeHubServer hub;
    hub.set_repo(kRepo, t5_repo(kTinyT5, false));
    const fs::path other = kFixtures / "t5" / "v11_untied_f32";
    hub.set_repo("google/flan-t5-small", t5_repo(other, false));
    QTemporaryDir dir;
    const fs::path data = fs::path(dir.path().toStdString()) / "data";
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", QString::fromStdString(data.string()));
    env.insert("HF_ENDPOINT", QString::fromStdString(hub.url()));
    env.remove("HF_TOKEN");
    auto run = [&](const QStringList& args) {
      QProcess p;
      p.setProcessEnvironment(env);
      p.start(HWB_CLI_PATH, args);
      if (!p.waitForFinished(120000))
        qFatal("hyperformer %s did not finish", qPrintable(args.join(' ')));
      CliRun r{p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
               QString::fromUtf8(p.readAllStandardError())};
      qInfo().noquote() << "$ hyperformer" << args.join(' ') << "\n"
                        << r.err << r.out << "(exit" << r.exit_code << ")";
      return r;
    };
    const QString folder = QString::fromStdString(
        (data / "hyperformer-workbench" / "models" / "google-t5--t5-small").string());

    hub.drop_after(cdn_path(kTinyT5 / "model.safetensors"), 60000);
    CliRun r = run({"fetch", "model", "t5-small"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(
        r.err.contains("error: the transfer of model.safetensors of google-t5/t5-small from "
                       "127.0.0.1:"));
    QVERIFY(
        r.err.contains("the 58.6 KiB of model.safetensors of google-t5/t5-small received so "
                       "far are kept"));

    r = run({"fetch", "model", "t5-small"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(
        r.err.contains("google-t5/t5-small: resuming model.safetensors at 58.6 KiB of 214.8 KiB"));
    QVERIFY(r.out.contains("google-t5/t5-small is ready in " + folder));

    r = run({"inspect", "--model", folder});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(r.out.contains("total"));
    QVERIFY(r.out.contains(
        QString::number(ModelProbe::open(kTinyT5.string())->summary().total_parameters)));

    hub.corrupt(cdn_path(other / "model.safetensors"));
    r = run({"fetch", "model", "flan-t5-small"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains(QString::fromStdString(
        "error: checksum mismatch for model.safetensors of google/flan-t5-small: expected " +
        FakeHubServer::sha256_hex(read_file(other / "model.safetensors")) + ", got ")));
    QVERIFY(r.err.contains("; it was deleted, run the fetch again"));

    r = run({"fetch", "list"});
    QCOMPARE(r.exit_code, 0);
    const QStringList lines = r.out.split('\n');
    auto line_of = [&](const QString& start) {
      for (const QString& l : lines) {
        if (l.trimmed().startsWith(start + " ")) return l.simplified();
      }
      return QString();
    };
    QCOMPARE(line_of("t5-small"), QString("t5-small google-t5/t5-small ready 215.5 KiB"));
    QVERIFY(line_of("flan-t5-small").startsWith("flan-t5-small google/flan-t5-small partial"));
    QVERIFY(line_of("sst2").startsWith("sst2 SST-2 not downloaded - 7.1 MiB"));
  }
};

QTEST_GUILESS_MAIN(TestFetch)
#include "tst_fetch.moc"

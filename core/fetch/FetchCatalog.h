#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hwb {

// A model the manager offers by a short name.
struct CatalogModel {
  std::string name;  // "t5-small"
  std::string repo;  // "google-t5/t5-small", its Hugging Face Hub id
  std::string description;
};

// One file of a GLUE task's source, relative to the GLUE base URL.
struct RemoteFile {
  std::string role;  // "archive"; for MRPC "train", "test", "dev_ids"
  std::string path;  // "glue/data/SST-2.zip"
  int64_t size = -1;
  std::string sha256;
};

// Where one GLUE task comes from and what the readers (core/data/GlueTasks) need of it.
struct GlueSource {
  enum class Kind { kZip, kMrpc };
  std::string task;    // "sst2"
  std::string folder;  // "SST-2": the task's folder in GLUE's layout
  Kind kind = Kind::kZip;
  std::string archive_folder;  // kZip: the archive's folder that holds the TSV files
  std::vector<RemoteFile> files;
  std::vector<std::string> required;  // files under `folder` the readers open

  int64_t download_size() const;
  const RemoteFile* file(std::string_view role) const;
};

// resources/catalog/models.json and glue.json: what the model and data manager offers.
class FetchCatalog {
 public:
  // Throws hwb::Error naming the file and the entry that is wrong.
  static FetchCatalog load(const std::filesystem::path& models_json,
                           const std::filesystem::path& glue_json);

  const std::vector<CatalogModel>& models() const { return models_; }
  const std::vector<GlueSource>& glue() const { return glue_; }
  const std::string& glue_base_url() const { return glue_base_url_; }

  // By short name or Hub id; nullptr when the catalog does not list it.
  const CatalogModel* find_model(std::string_view name_or_repo) const;
  // By task name or folder, in any case ("sst2", "SST-2"); nullptr when unknown.
  const GlueSource* find_glue(std::string_view task_or_folder) const;

 private:
  std::vector<CatalogModel> models_;
  std::vector<GlueSource> glue_;
  std::string glue_base_url_;
};

}  // namespace hwb

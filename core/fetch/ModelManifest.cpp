#include "core/fetch/ModelManifest.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/fetch/FileOps.h"

namespace hwb {
namespace fs = std::filesystem;

std::optional<ModelManifest> ModelManifest::load(const fs::path& folder) {
  std::ifstream in(folder / kFileName);
  if (!in) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    ModelManifest m;
    m.repo = j.at("repo").get<std::string>();
    m.revision = j.at("revision").get<std::string>();
    m.complete = j.at("complete").get<bool>();
    for (const auto& f : j.at("files")) {
      File file;
      file.path = f.at("path").get<std::string>();
      file.content.size = f.at("size").get<int64_t>();
      file.content.sha256 = f.value("sha256", std::string());
      file.content.git_blob_sha1 = f.value("git_blob_sha1", std::string());
      m.files.push_back(std::move(file));
    }
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void ModelManifest::save(const fs::path& folder) const {
  nlohmann::json j;
  j["repo"] = repo;
  j["revision"] = revision;
  j["complete"] = complete;
  j["files"] = nlohmann::json::array();
  for (const File& f : files) {
    nlohmann::json e{{"path", f.path}, {"size", f.content.size}};
    if (!f.content.sha256.empty()) e["sha256"] = f.content.sha256;
    if (!f.content.git_blob_sha1.empty()) e["git_blob_sha1"] = f.content.git_blob_sha1;
    j["files"].push_back(std::move(e));
  }
  fetch_files::write_text_atomically(folder / kFileName, j.dump(2) + "\n");
}

const ModelManifest::File* ModelManifest::find(const std::string& path) const {
  for (const File& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

void ModelManifest::put(File file) {
  for (File& f : files) {
    if (f.path == file.path) {
      f = std::move(file);
      return;
    }
  }
  files.push_back(std::move(file));
}

}  // namespace hwb

#include "core/fetch/FetchCatalog.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read the catalog '" + file.string() + "'; reinstall the workbench");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error("the catalog '" + file.string() + "' is not valid JSON: " + e.what());
  }
}

std::string text(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_string() || j.at(key).get<std::string>().empty()) {
    throw Error(where + ": \"" + key + "\" must be a non-empty string");
  }
  return j.at(key).get<std::string>();
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

int64_t GlueSource::download_size() const {
  int64_t total = 0;
  for (const RemoteFile& f : files) {
    if (f.size < 0) return -1;
    total += f.size;
  }
  return total;
}

const RemoteFile* GlueSource::file(std::string_view role) const {
  for (const RemoteFile& f : files) {
    if (f.role == role) return &f;
  }
  return nullptr;
}

FetchCatalog FetchCatalog::load(const fs::path& models_json, const fs::path& glue_json) {
  FetchCatalog c;
  const json models = read_json(models_json);
  if (!models.contains("models") || !models.at("models").is_array()) {
    throw Error("the catalog '" + models_json.string() + "' has no \"models\" list");
  }
  for (std::size_t i = 0; i < models.at("models").size(); ++i) {
    const json& m = models.at("models").at(i);
    const std::string where = models_json.string() + ": models[" + std::to_string(i) + "]";
    c.models_.push_back(
        {text(m, "name", where), text(m, "repo", where), m.value("description", std::string())});
  }

  const json glue = read_json(glue_json);
  c.glue_base_url_ = text(glue, "base_url", glue_json.string());
  if (!glue.contains("tasks") || !glue.at("tasks").is_array()) {
    throw Error("the catalog '" + glue_json.string() + "' has no \"tasks\" list");
  }
  for (std::size_t i = 0; i < glue.at("tasks").size(); ++i) {
    const json& t = glue.at("tasks").at(i);
    const std::string where = glue_json.string() + ": tasks[" + std::to_string(i) + "]";
    GlueSource s;
    s.task = text(t, "task", where);
    s.folder = text(t, "folder", where);
    const std::string kind = text(t, "kind", where);
    if (kind == "zip") {
      s.kind = GlueSource::Kind::kZip;
      s.archive_folder = text(t, "archive_folder", where);
    } else if (kind == "mrpc") {
      s.kind = GlueSource::Kind::kMrpc;
    } else {
      throw Error(where + ": \"kind\" must be \"zip\" or \"mrpc\", not \"" + kind + "\"");
    }
    for (const json& f : t.value("files", json::array())) {
      RemoteFile file{text(f, "role", where), text(f, "path", where), f.value("size", int64_t{-1}),
                      f.value("sha256", std::string())};
      s.files.push_back(std::move(file));
    }
    for (const json& r : t.value("required", json::array()))
      s.required.push_back(r.get<std::string>());
    if (s.files.empty() || s.required.empty()) {
      throw Error(where + ": a task needs \"files\" and \"required\"");
    }
    const bool complete = s.kind == GlueSource::Kind::kZip
                              ? s.file("archive") != nullptr
                              : s.file("train") && s.file("test") && s.file("dev_ids");
    if (!complete) {
      throw Error(where +
                  ": a zip task needs an \"archive\" file, MRPC \"train\", \"test\" and "
                  "\"dev_ids\"");
    }
    c.glue_.push_back(std::move(s));
  }
  return c;
}

const CatalogModel* FetchCatalog::find_model(std::string_view name_or_repo) const {
  for (const CatalogModel& m : models_) {
    if (m.name == name_or_repo || m.repo == name_or_repo) return &m;
  }
  return nullptr;
}

const GlueSource* FetchCatalog::find_glue(std::string_view task_or_folder) const {
  for (const GlueSource& s : glue_) {
    if (same_ignoring_case(s.task, task_or_folder) ||
        same_ignoring_case(s.folder, task_or_folder)) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace hwb

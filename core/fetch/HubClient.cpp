#include "core/fetch/HubClient.h"

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/fetch/FetchErrors.h"
#include "core/fetch/FetchProgress.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

std::string trimmed_endpoint(std::string endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

// The URL of rel="next" in an RFC 8288 Link header: the Hub pages long listings that way.
std::string next_link(const std::string& link) {
  std::size_t pos = 0;
  while ((pos = link.find('<', pos)) != std::string::npos) {
    const auto close = link.find('>', pos);
    if (close == std::string::npos) break;
    const auto end = link.find(',', close);
    const std::string params =
        link.substr(close + 1, end == std::string::npos ? link.npos : end - close);
    if (params.find("rel=\"next\"") != std::string::npos)
      return link.substr(pos + 1, close - pos - 1);
    pos = close;
  }
  return {};
}

}  // namespace

ExpectedContent HubFile::expected() const {
  ExpectedContent e;
  e.size = size;
  if (is_lfs()) {
    e.sha256 = lfs_sha256;
  } else {
    e.git_blob_sha1 = git_oid;
  }
  return e;
}

HubOptions HubOptions::from_environment() {
  HubOptions o;
  if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint && *endpoint)
    o.endpoint = endpoint;
  if (const char* token = std::getenv("HF_TOKEN"); token && *token) o.token = token;
  return o;
}

HubClient::HubClient(HttpClient& http, HubOptions options)
    : http_(http), options_(std::move(options)) {
  options_.endpoint = trimmed_endpoint(options_.endpoint);
  if (options_.revision.empty()) options_.revision = "main";
}

void HubClient::check_repo_id(std::string_view id) {
  int slashes = 0;
  bool ok = !id.empty() && id.front() != '/' && id.back() != '/' &&
            id.find("..") == std::string_view::npos && id.find("--") == std::string_view::npos;
  for (const char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '/') {
      ++slashes;
    } else if (!std::isalnum(c) && ch != '-' && ch != '_' && ch != '.') {
      ok = false;
    }
  }
  if (!ok || slashes > 1) {
    throw Error("'" + std::string(id) +
                "' is not a Hugging Face Hub model id: it is \"name\" or \"organisation/name\", "
                "for example google-t5/t5-small or google/flan-t5-base");
  }
}

std::string HubClient::file_url(const std::string& repo_id, const std::string& path) const {
  return options_.endpoint + "/" + repo_id + "/resolve/" + percent_encode(options_.revision) + "/" +
         percent_encode(path, "/");
}

std::vector<HubFile> HubClient::list_files(const std::string& repo_id) {
  check_repo_id(repo_id);
  const std::string what = "the file list of " + repo_id;
  std::string url =
      options_.endpoint + "/api/models/" + repo_id + "/tree/" + percent_encode(options_.revision);
  std::vector<HubFile> files;
  // A listing longer than one page links to the next; a bound keeps a broken server from
  // looping forever.
  for (int page = 0; !url.empty() && page < 100; ++page) {
    std::string body;
    HttpRequest request;
    request.url = url;
    request.bearer_token = options_.token;
    const HttpResponse response = http_.get_text(request, body);
    if (response.failure == TransferFailure::kCancelled) {
      throw FetchCancelled("cancelled while asking " + url_host(url) + " for " + what +
                           "; nothing was downloaded");
    }
    if (!response.ok()) {
      throw_transfer_failure(response, url, what, "files already downloaded are kept.");
    }
    if (response.status == 401 || response.status == 404) {
      const std::string code = response.header("x-error-code");
      if (code == "RevisionNotFound") {
        throw HttpStatusError("the Hugging Face Hub has no revision '" + options_.revision +
                                  "' of " + repo_id + " (" + http_status_text(response.status) +
                                  "); use a branch, tag or commit that exists, such as main",
                              response.status);
      }
      throw HttpStatusError(
          "the Hugging Face Hub at " + url_host(url) + " has no model '" + repo_id +
              "' that this computer may read (" + http_status_text(response.status) +
              "). Check the exact spelling of the id (organisation/name, as on its Hub page, "
              "for example google-t5/t5-small); a gated or private repository also needs an "
              "access token in the HF_TOKEN environment variable.",
          response.status);
    }
    if (response.status == 403) {
      throw HttpStatusError(repo_id + " is gated on the Hugging Face Hub (" +
                                http_status_text(response.status) +
                                "): accept its conditions on its Hub page, then set HF_TOKEN to "
                                "an access token of that account",
                            response.status);
    }
    if (response.status != 200) throw_status_error(response, url, what, body);
    try {
      const nlohmann::json entries = nlohmann::json::parse(body);
      for (const auto& e : entries) {
        if (e.value("type", std::string()) != "file") continue;
        HubFile f;
        f.path = e.at("path").get<std::string>();
        f.size = e.value("size", int64_t{-1});
        f.git_oid = e.value("oid", std::string());
        if (e.contains("lfs") && e.at("lfs").is_object()) {
          f.lfs_sha256 = e.at("lfs").at("oid").get<std::string>();
          f.size = e.at("lfs").value("size", f.size);
        }
        files.push_back(std::move(f));
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(url_host(url) + " answered " + what +
                  " with something that is not the Hub's file list (" + e.what() +
                  "); is the endpoint " + options_.endpoint + " a Hugging Face Hub?");
    }
    url = next_link(response.header("link"));
  }
  return files;
}

}  // namespace hwb

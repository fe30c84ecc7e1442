#include "core/fetch/HttpClient.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <mutex>

#include "core/util/Error.h"

namespace hwb {

namespace {

// A transfer that sends nothing for this long is treated as broken (a dead connection can
// otherwise hang for the TCP timeout, minutes); the partial file stays for a resume.
constexpr long kStallSeconds = 60;
constexpr long kConnectTimeoutSeconds = 30;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error("libcurl could not be initialised (curl_global_init failed)");
    }
  });
}

TransferFailure classify(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return TransferFailure::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return TransferFailure::kOffline;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransferFailure::kInterrupted;
    case CURLE_WRITE_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return TransferFailure::kStopped;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return TransferFailure::kTls;
    default:
      return TransferFailure::kOther;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last + 1 - first));
}

// State shared with libcurl's callbacks during one perform().
struct Transfer {
  const HttpClient::Handlers* handlers = nullptr;
  const std::function<bool()>* interrupt = nullptr;
  HttpResponse current;  // the answer whose headers are arriving
  bool final_headers_seen = false;
  bool stopped = false;
  bool interrupted = false;
  int64_t received = 0;
  int64_t length = -1;
  // An exception thrown by a handler: it must not unwind through libcurl's C frames, so the
  // transfer is stopped and the exception rethrown after curl_easy_perform returns.
  std::exception_ptr error;
};

template <typename F>
bool guarded(Transfer& t, F&& f) {
  try {
    return f();
  } catch (...) {
    t.error = std::current_exception();
    t.stopped = true;
    return false;
  }
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    // Each answer of a redirect chain starts with its status line.
    t.current.headers.clear();
    const auto space = line.find(' ');
    t.current.status =
        space == std::string_view::npos
            ? 0
            : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    return bytes;
  }
  const std::string text = trim(line);
  if (!text.empty()) {
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
      t.current.headers[lower(text.substr(0, colon))] = trim(text.substr(colon + 1));
    }
    return bytes;
  }
  // The blank line that ends one answer's headers: interim answers and redirects that libcurl
  // follows are not the caller's business.
  const long status = t.current.status;
  const bool interim = status >= 100 && status < 200;
  const bool redirect = status >= 300 && status < 400 && t.current.headers.count("location");
  if (interim || redirect) return bytes;
  t.final_headers_seen = true;
  const std::string length = t.current.header("content-length");
  t.length = length.empty() ? -1 : std::strtoll(length.c_str(), nullptr, 10);
  if (t.handlers->on_headers && !guarded(t, [&] { return t.handlers->on_headers(t.current); })) {
    t.stopped = true;
    return 0;  // aborts the transfer
  }
  return bytes;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (!t.final_headers_seen) return bytes;  // the body of a redirect
  t.received += static_cast<int64_t>(bytes);
  if (t.handlers->on_body &&
      !guarded(t, [&] { return t.handlers->on_body(std::string_view(data, bytes)); })) {
    t.stopped = true;
    return 0;
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (*t.interrupt) {
    bool stop = false;
    if (!guarded(t, [&] {
          stop = (*t.interrupt)();
          return true;
        })) {
      return 1;  // it threw; get() rethrows
    }
    if (stop) {
      t.interrupted = true;
      return 1;
    }
  }
  if (t.handlers->on_progress &&
      !guarded(t, [&] { return t.handlers->on_progress(t.received, t.length); })) {
    t.stopped = true;
    return 1;
  }
  return 0;
}

}  // namespace

std::string HttpResponse::header(std::string_view lower_case_name) const {
  const auto it = headers.find(std::string(lower_case_name));
  return it == headers.end() ? std::string() : it->second;
}

std::string url_host(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const auto end = url.find_first_of("/?#", start);
  std::string_view host = url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  const auto at = host.rfind('@');
  if (at != std::string_view::npos) host.remove_prefix(at + 1);
  return std::string(host);
}

std::string percent_encode(std::string_view text, std::string_view keep) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpClient::HttpClient() {
  init_curl_once();
  curl_ = curl_easy_init();
  if (!curl_) throw Error("libcurl could not create a transfer handle (out of memory?)");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpClient::get(const HttpRequest& request, const Handlers& handlers) {
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset, not a new handle: the handle keeps its connection cache across requests.
  curl_easy_reset(curl);
  Transfer t;
  t.handlers = &handlers;
  t.interrupt = &interrupt_;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  const std::string range =
      request.range_from > 0 ? std::to_string(request.range_from) + "-" : std::string();

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "hyperformer-workbench/" HWB_VERSION);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: callers run on worker threads
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  // CURLOPT_RANGE, not CURLOPT_RESUME_FROM: the latter fails when a server ignores the range,
  // and a 200 with the whole file is an answer the caller handles (it starts over).
  if (!range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  if (!request.bearer_token.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
    curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, request.bearer_token.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);

  const CURLcode code = curl_easy_perform(curl);
  if (t.error) std::rethrow_exception(t.error);
  HttpResponse response = t.current;
  if (!t.final_headers_seen) response.headers.clear();
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* effective = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) {
    response.effective_url = effective;
  }
  response.failure = t.interrupted ? TransferFailure::kCancelled
                     : t.stopped   ? TransferFailure::kStopped
                                   : classify(code);
  if (code != CURLE_OK) {
    response.error = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  }
  return response;
}

HttpResponse HttpClient::get_text(const HttpRequest& request, std::string& body,
                                  std::size_t max_bytes) {
  body.clear();
  Handlers handlers;
  handlers.on_body = [&](std::string_view bytes) {
    if (body.size() + bytes.size() > max_bytes) return false;
    body.append(bytes);
    return true;
  };
  HttpResponse response = get(request, handlers);
  if (response.failure == TransferFailure::kStopped) {
    response.error = "the answer is larger than " + std::to_string(max_bytes) + " bytes";
  }
  return response;
}

}  // namespace hwb

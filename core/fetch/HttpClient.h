#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace hwb {

struct HttpRequest {
  std::string url;
  int64_t range_from = 0;    // > 0: "Range: bytes=<range_from>-"
  std::string bearer_token;  // "Authorization: Bearer", kept from hosts a redirect leads to
};

// Why a transfer ended early; kNone when the server answered (whatever its status).
enum class TransferFailure {
  kNone,
  kOffline,      // the host's name did not resolve or nothing answered on its port
  kInterrupted,  // the connection broke or stalled mid-answer
  kStopped,      // a handler returned false (a write failed, the caller cancelled)
  kCancelled,    // the interrupt check (set_interrupt) asked to stop
  kTls,          // the TLS handshake or the certificate check failed
  kOther,
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the final answer (after redirects), lower-case
  std::string effective_url;                   // after redirects
  TransferFailure failure = TransferFailure::kNone;
  std::string error;  // libcurl's explanation when failure != kNone

  // The header's value, or "" when the answer has none.
  std::string header(std::string_view lower_case_name) const;
  bool ok() const { return failure == TransferFailure::kNone; }
};

// The host (and port, when one is given) of a URL, for messages: "huggingface.co".
std::string url_host(std::string_view url);
// RFC 3986 percent-encoding of everything but unreserved characters and those in `keep`.
std::string percent_encode(std::string_view text, std::string_view keep = "");

// One libcurl easy handle: GET with redirects followed, optional Range and bearer token, streamed
// to handlers. Not thread-safe; one per thread. Offline, stalled (no byte for 60 s) and broken
// transfers come back as a TransferFailure, never as an exception, so callers can say what was
// kept. An exception a handler throws stops the transfer and is rethrown by get().
class HttpClient {
 public:
  struct Handlers {
    // The final answer's status and headers, before its first body byte. Return false to stop.
    std::function<bool(const HttpResponse&)> on_headers;
    // Body bytes of the final answer. Return false to stop (a failed write).
    std::function<bool(std::string_view)> on_body;
    // Bytes of the body received so far and the answer's length (-1: unknown), at least once a
    // second. Return false to stop (cancel).
    std::function<bool(int64_t received, int64_t length)> on_progress;
  };

  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Asked at least once a second during every transfer; true stops it (TransferFailure::kStopped).
  // How Ctrl-C and the workbench's Cancel reach requests that have no progress handler.
  void set_interrupt(std::function<bool()> should_stop) { interrupt_ = std::move(should_stop); }

  HttpResponse get(const HttpRequest& request, const Handlers& handlers);
  // A small answer (an API's JSON) read whole; more than `max_bytes` stops the transfer.
  HttpResponse get_text(const HttpRequest& request, std::string& body,
                        std::size_t max_bytes = std::size_t{64} << 20);

 private:
  void* curl_;  // CURL*, kept out of this header so users need no curl headers
  std::function<bool()> interrupt_;
};

}  // namespace hwb

#include "core/fetch/FetchErrors.h"

namespace hwb {

std::string http_status_text(long status) {
  const char* reason = "";
  switch (status) {
    case 400:
      reason = " Bad Request";
      break;
    case 401:
      reason = " Unauthorized";
      break;
    case 403:
      reason = " Forbidden";
      break;
    case 404:
      reason = " Not Found";
      break;
    case 416:
      reason = " Range Not Satisfiable";
      break;
    case 429:
      reason = " Too Many Requests";
      break;
    case 500:
      reason = " Internal Server Error";
      break;
    case 502:
      reason = " Bad Gateway";
      break;
    case 503:
      reason = " Service Unavailable";
      break;
    case 504:
      reason = " Gateway Timeout";
      break;
    default:
      break;
  }
  return std::to_string(status) + reason;
}

void throw_transfer_failure(const HttpResponse& response, const std::string& url,
                            const std::string& what, const std::string& kept) {
  const std::string host = url_host(url);
  switch (response.failure) {
    case TransferFailure::kOffline:
      throw Error("cannot reach " + host + " (" + response.error +
                  "): this computer seems to be offline. Connect and run the fetch again; " + kept);
    case TransferFailure::kInterrupted:
      throw Error("the transfer of " + what + " from " + host + " broke off (" + response.error +
                  "); " + kept);
    case TransferFailure::kTls:
      throw Error("the secure connection to " + host + " failed (" + response.error +
                  "): check this computer's date and time and that the ca-certificates package "
                  "is installed, then run the fetch again; " +
                  kept);
    default:
      throw Error("fetching " + what + " from " + url + " failed (" + response.error + "); " +
                  kept);
  }
}

void throw_status_error(const HttpResponse& response, const std::string& url,
                        const std::string& what, const std::string& body) {
  std::string detail = response.header("x-error-message");
  if (detail.empty() && !body.empty() && body.size() < 300 && body.find('<') == std::string::npos) {
    detail = body;  // a short plain or JSON explanation, not an HTML page
  }
  throw HttpStatusError(url_host(url) + " answered " + http_status_text(response.status) + " for " +
                            what + " (" + url + ")" +
                            (detail.empty() ? std::string() : ": " + detail),
                        response.status);
}

}  // namespace hwb

#pragma once
// Server TLS context on plain OpenSSL, built and checked before start-up so a
// bad option stops the process with a line naming it.
#include <memory>
#include <string>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace tessera::http {

struct TlsSettings {
  std::string certificate_file;  // PEM chain
  std::string key_file;          // PEM private key
  std::vector<std::string> protocols{"TLSv1.3"};  // TLSv1.2, TLSv1.3
  std::string cipher_suites;     // OpenSSL names; TLS 1.3 suites and/or 1.2 ciphers, ':' or ',' separated
};

struct TlsError {
  std::string option;  // the option to blame, e.g. "https-certificate-file"
  std::string reason;
};

using SslCtxPtr = std::shared_ptr<SSL_CTX>;
// Returns the context, or fills `error` and returns null.
SslCtxPtr make_server_tls_context(const TlsSettings& settings, TlsError& error);

}  // namespace tessera::http

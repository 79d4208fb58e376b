#include "http/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>

namespace tessera::http {
namespace {

std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

bool set_protocol_range(SSL_CTX* ctx, const std::vector<std::string>& protocols, TlsError& error) {
  int lo = 0, hi = 0;
  for (const auto& name : protocols) {
    int v = name == "TLSv1.3" ? TLS1_3_VERSION : name == "TLSv1.2" ? TLS1_2_VERSION : 0;
    if (v == 0) {
      error = {"https-protocols", "unsupported protocol '" + name + "' (use TLSv1.3 and/or TLSv1.2)"};
      return false;
    }
    lo = lo == 0 ? v : std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo == 0) {
    error = {"https-protocols", "no protocol given"};
    return false;
  }
  SSL_CTX_set_min_proto_version(ctx, lo);
  SSL_CTX_set_max_proto_version(ctx, hi);
  return true;
}

// Splits the suite list into TLS 1.3 suites (TLS_*) and TLS 1.2 cipher names,
// because OpenSSL configures the two with different calls.
bool set_cipher_suites(SSL_CTX* ctx, std::string list, TlsError& error) {
  if (list.empty()) return true;
  for (char& c : list) if (c == ',') c = ':';
  std::string v13, v12;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t end = list.find(':', pos);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(pos, end - pos);
    // Keycloak users write IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    // OpenSSL configures TLS 1.2 ciphers by its own names.
    if (const char* ossl = OPENSSL_cipher_name(name.c_str()); ossl && std::string(ossl) != "(NONE)" && name.find("_WITH_") != std::string::npos)
      name = ossl;
    if (!name.empty()) {
      std::string& into = name.rfind("TLS_", 0) == 0 ? v13 : v12;
      if (!into.empty()) into += ':';
      into += name;
    }
    pos = end + 1;
  }
  if (!v13.empty() && SSL_CTX_set_ciphersuites(ctx, v13.c_str()) != 1) {
    error = {"https-cipher-suites", "no valid TLS 1.3 cipher suite in '" + v13 + "'"};
    return false;
  }
  if (!v12.empty() && SSL_CTX_set_cipher_list(ctx, v12.c_str()) != 1) {
    error = {"https-cipher-suites", "no valid cipher in '" + v12 + "'"};
    return false;
  }
  ERR_clear_error();
  return true;
}

}  // namespace

SslCtxPtr make_server_tls_context(const TlsSettings& s, TlsError& error) {
  if (s.certificate_file.empty()) {
    error = {"https-certificate-file", "is required for HTTPS"};
    return nullptr;
  }
  if (s.key_file.empty()) {
    error = {"https-certificate-key-file", "is required for HTTPS"};
    return nullptr;
  }
  if (!readable(s.certificate_file)) {
    error = {"https-certificate-file", "cannot read '" + s.certificate_file + "'"};
    return nullptr;
  }
  if (!readable(s.key_file)) {
    error = {"https-certificate-key-file", "cannot read '" + s.key_file + "'"};
    return nullptr;
  }
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    error = {"https-port", openssl_reason()};
    return nullptr;
  }
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  if (!set_protocol_range(ctx.get(), s.protocols, error)) return nullptr;
  if (!set_cipher_suites(ctx.get(), s.cipher_suites, error)) return nullptr;
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), s.certificate_file.c_str()) != 1) {
    error = {"https-certificate-file", "not a PEM certificate: " + openssl_reason()};
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = {"https-certificate-key-file", "not a PEM private key: " + openssl_reason()};
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    error = {"https-certificate-key-file", "does not match the certificate"};
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace tessera::http

#include "sandbox/tls.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace fairway::sandbox {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

std::string OpenSslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  return what + ": " + buf;
}

Ptr<EVP_PKEY> NewKey() { return Ptr<EVP_PKEY>(EVP_EC_gen("P-256")); }

bool AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

Ptr<X509> NewCert(EVP_PKEY* key, const std::string& cn, int days) {
  Ptr<X509> cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("fairway-sandbox"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

std::string CertPem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string KeyPem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

StatusOr<TlsMaterial> GenerateTlsMaterial(const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses,
                                          int validity_days) {
  Ptr<EVP_PKEY> ca_key = NewKey();
  Ptr<EVP_PKEY> server_key = NewKey();
  if (!ca_key || !server_key) return InternalError(OpenSslError("generating EC keys"));

  Ptr<X509> ca = NewCert(ca_key.get(), "fairway-sandbox-ca", validity_days);
  if (!ca) return InternalError(OpenSslError("creating CA certificate"));
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  if (!AddExt(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExt(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
      !AddExt(ca.get(), ca.get(), NID_subject_key_identifier, "hash")) {
    return InternalError(OpenSslError("CA extensions"));
  }
  if (X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) {
    return InternalError(OpenSslError("signing CA certificate"));
  }

  Ptr<X509> server = NewCert(server_key.get(), "fairway-sandbox", validity_days);
  if (!server) return InternalError(OpenSslError("creating serving certificate"));
  X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get()));
  std::string san;
  for (const std::string& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const std::string& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (!AddExt(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExt(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !AddExt(server.get(), ca.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExt(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
      (!san.empty() && !AddExt(server.get(), ca.get(), NID_subject_alt_name, san))) {
    return InternalError(OpenSslError("serving certificate extensions"));
  }
  if (X509_sign(server.get(), ca_key.get(), EVP_sha256()) == 0) {
    return InternalError(OpenSslError("signing serving certificate"));
  }
  TlsMaterial m;
  m.ca_cert_pem = CertPem(ca.get());
  m.server_cert_pem = CertPem(server.get());
  m.server_key_pem = KeyPem(server_key.get());
  return m;
}

}  // namespace fairway::sandbox

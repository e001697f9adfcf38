#include "actors/remote/certificate_identity.hpp"

#include <stdexcept>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "actors/remote/openssl_error.hpp"

namespace logcatch {

namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, freer<BIO, BIO_free_all>>;

void free_x509_stack(STACK_OF(X509)* s) {
  sk_X509_pop_free(s, X509_free);
}
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), freer<STACK_OF(X509), free_x509_stack>>;

/// Every certificate in a PEM text, in order.
std::vector<x509_ptr> read_certificates(const std::string& pem) {
  std::vector<x509_ptr> certs;
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio)
    return certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    certs.emplace_back(cert);
  ERR_clear_error(); // the end of the text reads as an error
  return certs;
}

std::string text_of(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::vector<std::string> names_of_certificate(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type == GEN_DNS)
        names.push_back(text_of(name->d.dNSName));
    }
    GENERAL_NAMES_free(sans);
  }
  if (!names.empty())
    return names; // SAN DNS names present: the CN does not count (RFC 6125)
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); at >= 0;
       at = X509_NAME_get_index_by_NID(subject, NID_commonName, at))
    names.push_back(text_of(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at))));
  return names;
}

std::string list(const std::vector<std::string>& names) {
  if (names.empty())
    return "none";
  std::string text;
  for (auto& n : names)
    text += (text.empty() ? "'" : ", '") + n.substr(0, 100) + "'";
  return text;
}

} // namespace

struct certificate_identity::impl {
  std::unique_ptr<X509_STORE, freer<X509_STORE, X509_STORE_free>> store{X509_STORE_new()};
};

certificate_identity::certificate_identity(const std::string& cafile) : impl_(new impl) {
  if (!impl_->store)
    throw std::runtime_error("cannot make a certificate store: " + openssl_error());
  if (X509_STORE_load_file(impl_->store.get(), cafile.c_str()) != 1)
    throw std::runtime_error(cafile + ": no CA certificate could be read (" + openssl_error() + ")");
}

certificate_identity::~certificate_identity() = default;

std::vector<std::string> certificate_identity::names_of(const std::string& certificate_pem) {
  auto certs = read_certificates(certificate_pem);
  return certs.empty() ? std::vector<std::string>{} : names_of_certificate(certs.front().get());
}

std::string certificate_identity::check(const std::string& certificate_pem, const std::string& node,
                                        const std::string& text, const std::string& signature,
                                        std::time_t at) const {
  auto certs = read_certificates(certificate_pem);
  if (certs.empty())
    return "no certificate in its hello proof";
  X509* leaf = certs.front().get();
  // 1. Signed by our CA (through the intermediates it sent), valid now, for a TLS client.
  x509_stack_ptr untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < certs.size(); ++i)
    sk_X509_push(untrusted.get(), certs[i].get());
  std::unique_ptr<X509_STORE_CTX, freer<X509_STORE_CTX, X509_STORE_CTX_free>> ctx(
    X509_STORE_CTX_new());
  if (!ctx || !untrusted ||
      X509_STORE_CTX_init(ctx.get(), impl_->store.get(), leaf, untrusted.get()) != 1) {
    // The stack does not own the certificates: release it without freeing them.
    if (untrusted)
      sk_X509_free(untrusted.release());
    return "cannot check a certificate: " + openssl_error();
  }
  X509_STORE_CTX_set_default(ctx.get(), "ssl_client"); // as TLS checks a client
  if (at != 0)
    X509_STORE_CTX_set_time(ctx.get(), 0, at);
  int verified = X509_verify_cert(ctx.get());
  int why = X509_STORE_CTX_get_error(ctx.get());
  ctx.reset();
  sk_X509_free(untrusted.release());
  ERR_clear_error();
  if (verified != 1)
    return std::string("its certificate does not verify against the CA: ") +
           X509_verify_cert_error_string(why);
  // 2. Names exactly the node.
  auto names = names_of_certificate(leaf);
  bool named = false;
  for (auto& n : names)
    named = named || n == node;
  if (!named)
    return "its certificate names " + list(names) + ", not '" + node + "'";
  // 3. Its key signed this hello.
  EVP_PKEY* key = X509_get0_pubkey(leaf);
  if (!key)
    return "its certificate's public key cannot be read: " + openssl_error();
  int id = EVP_PKEY_get_base_id(key);
  const EVP_MD* md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
  std::unique_ptr<EVP_MD_CTX, freer<EVP_MD_CTX, EVP_MD_CTX_free>> md_ctx(EVP_MD_CTX_new());
  int ok = md_ctx && EVP_DigestVerifyInit(md_ctx.get(), nullptr, md, nullptr, key) == 1
             ? EVP_DigestVerify(md_ctx.get(),
                                reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(),
                                reinterpret_cast<const unsigned char*>(text.data()), text.size())
             : -1;
  ERR_clear_error();
  if (ok != 1)
    return "the signature of its hello does not verify with its certificate's key";
  return {};
}

} // namespace logcatch

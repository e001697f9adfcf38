#include "actors/remote/hello_proof.hpp"

#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "actors/remote/openssl_error.hpp"

namespace logcatch {

namespace {

bool read_whole(const std::string& path, std::string& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream text;
  text << in.rdbuf();
  into = text.str();
  return static_cast<bool>(in) || in.eof();
}

} // namespace

std::string hello_proof_text(const std::string& nonce, const std::string& node,
                             const std::string& instance) {
  return "logcatch hello proof v1\n" + nonce + "\n" + node + "\n" + instance + "\n";
}

hello_proof make_hello_proof(const std::string& certificate_file, const std::string& key_file,
                             const std::string& text) {
  hello_proof proof;
  if (!read_whole(certificate_file, proof.certificate) || proof.certificate.empty()) {
    proof.error = certificate_file + ": cannot read the TLS certificate";
    return proof;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key_file.c_str(), "r"), BIO_free);
  if (!bio) {
    proof.error = key_file + ": cannot read the TLS key (" + openssl_error() + ")";
    return proof;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
    PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) {
    proof.error = key_file + ": not an unencrypted PEM private key (" + openssl_error() + ")";
    return proof;
  }
  // Ed25519/Ed448 sign the message itself; the others a SHA-256 digest.
  int id = EVP_PKEY_get_base_id(key.get());
  const EVP_MD* md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data, text.size()) != 1) {
    proof.error = key_file + ": cannot sign with this key (" + openssl_error() + ")";
    return proof;
  }
  proof.signature.resize(length);
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(proof.signature.data()), &length,
                     data, text.size()) != 1) {
    proof.error = key_file + ": cannot sign with this key (" + openssl_error() + ")";
    proof.signature.clear();
    return proof;
  }
  proof.signature.resize(length);
  return proof;
}

} // namespace logcatch

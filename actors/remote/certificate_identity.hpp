#pragma once

// Whether a collector's hello proof (see hello_proof) shows that it may use
// the node name it claims: its certificate chains to the aggregator's CA,
// names exactly that node, and its key signed this hello's text. CAF 0.17.6
// gives no access to a connection's peer certificate, so this is checked
// at application level, over the certificate the collector shows again.
// Plain OpenSSL, no actor code.

#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace logcatch {

class certificate_identity {
public:
  /// Reads the CA certificates of `cafile` (PEM; the aggregator's
  /// `tls.cafile`); throws std::runtime_error when it holds none.
  explicit certificate_identity(const std::string& cafile);
  ~certificate_identity();
  certificate_identity(const certificate_identity&) = delete;
  certificate_identity& operator=(const certificate_identity&) = delete;

  /// "" when `certificate_pem` (a leaf, optionally followed by
  /// intermediates) chains to the CA and is valid at `at` (0: now), its
  /// names are `node` (its SAN DNS names when it has any, else its CN; any
  /// one equal, byte for byte, no wildcards), and `signature` is its public
  /// key's signature over `text` (SHA-256 for RSA and EC, Ed25519/Ed448 as
  /// such). Otherwise the cause, for the aggregator's log.
  std::string check(const std::string& certificate_pem, const std::string& node,
                    const std::string& text, const std::string& signature,
                    std::time_t at = 0) const;

  /// The names check() compares with a node name (for messages and tests).
  static std::vector<std::string> names_of(const std::string& certificate_pem);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace logcatch

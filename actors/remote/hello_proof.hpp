#pragma once

// A collector's proof that it holds the private key of its TLS certificate,
// made for one hello: its certificate (PEM, as in its `tls.certificate`) and
// a signature with its `tls.key` over the text below. CAF 0.17 does not let
// the aggregator see the certificate of the TLS connection a hello came on,
// so the collector shows it again at application level (see
// certificate_identity for the aggregator's side). No actor code.

#include <string>

namespace logcatch {

/// What a collector signs: the aggregator's fresh challenge (single use),
/// the node name it claims and its instance id, one per line after a fixed
/// label, so that a signature for one of them is worth nothing for another.
std::string hello_proof_text(const std::string& nonce, const std::string& node,
                             const std::string& instance);

struct hello_proof {
  std::string certificate; ///< PEM, the whole file (a chain after the leaf is allowed)
  std::string signature;   ///< raw bytes
  std::string error;       ///< why no proof could be made ("" when made)
};

/// Reads `certificate_file` and signs `text` with the (unencrypted PEM)
/// private key in `key_file`: SHA-256 with an RSA or EC key, the key's own
/// scheme with Ed25519/Ed448.
hello_proof make_hello_proof(const std::string& certificate_file, const std::string& key_file,
                             const std::string& text);

} // namespace logcatch

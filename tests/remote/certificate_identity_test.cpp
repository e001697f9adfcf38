#include "actors/remote/certificate_identity.hpp"

#include <catch2/catch.hpp>
#include <ctime>

#include "actors/remote/hello_proof.hpp"
#include "test_ca.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

/// One hello proof as a collector makes it, for `node`, with `file`'s key
/// and `file`'s certificate.
struct signed_hello {
  std::string text;
  hello_proof proof;
};

signed_hello sign(const temp_dir& dir, const std::string& file, const std::string& node,
                  const std::string& nonce = "00112233445566778899aabbccddeeff") {
  signed_hello h;
  h.text = hello_proof_text(nonce, node, "instance-1");
  h.proof = make_hello_proof(dir / (file + ".pem"), dir / (file + ".key"), h.text);
  REQUIRE(h.proof.error.empty());
  return h;
}

} // namespace

TEST_CASE("certificate identity: a CA-signed certificate naming the node, with its own key, passes") {
  temp_dir dir;
  test_ca ca(dir.path());
  ca.issue("alpha-cn", "alpha");                       // CN only, EC
  ca.issue("alpha-san", "whatever", {"beta", "alpha"}); // SAN names it
  ca.issue("alpha-rsa", "alpha", {}, 3650, true);       // RSA key
  certificate_identity identity(ca.pem());
  for (std::string file : {"alpha-cn", "alpha-san", "alpha-rsa"}) {
    INFO(file);
    auto h = sign(dir, file, "alpha");
    CHECK(identity.check(h.proof.certificate, "alpha", h.text, h.proof.signature) == "");
  }
  CHECK(certificate_identity::names_of(read_file(dir / "alpha-san.pem")) ==
        std::vector<std::string>{"beta", "alpha"});
}

TEST_CASE("certificate identity: a certificate for another name is refused, and with SAN DNS names the CN does not count") {
  temp_dir dir;
  test_ca ca(dir.path());
  ca.issue("beta", "beta");
  ca.issue("san-only", "alpha", {"gamma"}); // CN alpha, but its SAN names gamma only
  ca.issue("prefix", "alpha.example");
  certificate_identity identity(ca.pem());
  auto beta = sign(dir, "beta", "alpha");
  CHECK(identity.check(beta.proof.certificate, "alpha", beta.text, beta.proof.signature) ==
        "its certificate names 'beta', not 'alpha'");
  auto san = sign(dir, "san-only", "alpha");
  CHECK(identity.check(san.proof.certificate, "alpha", san.text, san.proof.signature) ==
        "its certificate names 'gamma', not 'alpha'");
  CHECK(identity.check(san.proof.certificate, "gamma", hello_proof_text("00112233445566778899aabbccddeeff", "gamma", "instance-1"),
                       make_hello_proof(dir / "san-only.pem", dir / "san-only.key",
                                        hello_proof_text("00112233445566778899aabbccddeeff", "gamma", "instance-1"))
                         .signature) == "");
  auto prefix = sign(dir, "prefix", "alpha");
  CHECK_FALSE(identity.check(prefix.proof.certificate, "alpha", prefix.text, prefix.proof.signature).empty());
}

TEST_CASE("certificate identity: a certificate of another CA, a self-signed one and an expired one are refused") {
  temp_dir dir;
  test_ca ca(dir.path());
  test_ca other(dir.path(), "other-ca");
  other.issue("foreign", "alpha");
  ca.issue("short", "alpha", {}, 1);
  certificate_identity identity(ca.pem());
  auto foreign = sign(dir, "foreign", "alpha");
  auto why = identity.check(foreign.proof.certificate, "alpha", foreign.text, foreign.proof.signature);
  CHECK(contains(why, "does not verify against the CA"));
  // The other CA's own (self-signed) certificate, signed with its key.
  auto text = hello_proof_text("00112233445566778899aabbccddeeff", "other-ca test CA", "instance-1");
  auto self_signed = make_hello_proof(other.pem(), other.key(), text);
  CHECK(contains(identity.check(self_signed.certificate, "other-ca test CA", text, self_signed.signature),
                 "does not verify against the CA"));
  auto in_time = sign(dir, "short", "alpha");
  CHECK(identity.check(in_time.proof.certificate, "alpha", in_time.text, in_time.proof.signature) == "");
  std::time_t in_three_days = std::time(nullptr) + 3 * 24 * 3600;
  CHECK(identity.check(in_time.proof.certificate, "alpha", in_time.text, in_time.proof.signature,
                       in_three_days) ==
        "its certificate does not verify against the CA: certificate has expired");
  CHECK_THROWS(certificate_identity(dir / "missing.pem"));
}

TEST_CASE("certificate identity: a signature by another key, over other text, or garbage is refused") {
  temp_dir dir;
  test_ca ca(dir.path());
  ca.issue("alpha", "alpha");
  ca.issue("beta", "beta");
  certificate_identity identity(ca.pem());
  auto good = sign(dir, "alpha", "alpha");
  const std::string bad_signature = "the signature of its hello does not verify with its certificate's key";
  // beta's key signed, alpha's certificate shown (a collector holding only beta's key).
  auto by_beta = make_hello_proof(dir / "beta.pem", dir / "beta.key", good.text);
  CHECK(identity.check(good.proof.certificate, "alpha", good.text, by_beta.signature) == bad_signature);
  // The same signature for another nonce, node or instance.
  CHECK(identity.check(good.proof.certificate, "alpha",
                       hello_proof_text("ffeeddccbbaa99887766554433221100", "alpha", "instance-1"),
                       good.proof.signature) == bad_signature);
  CHECK(identity.check(good.proof.certificate, "alpha",
                       hello_proof_text("00112233445566778899aabbccddeeff", "alpha", "instance-2"),
                       good.proof.signature) == bad_signature);
  CHECK(identity.check(good.proof.certificate, "alpha", good.text, "") == bad_signature);
  CHECK(identity.check("not a certificate", "alpha", good.text, good.proof.signature) ==
        "no certificate in its hello proof");
  CHECK(identity.check("", "alpha", good.text, good.proof.signature) == "no certificate in its hello proof");
  CHECK_FALSE(make_hello_proof(dir / "alpha.pem", dir / "missing.key", good.text).error.empty());
  CHECK_FALSE(make_hello_proof(dir / "missing.pem", dir / "alpha.key", good.text).error.empty());
}

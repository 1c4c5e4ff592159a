// A U-key (U盾) seen through its PKCS#11 module.
//
// A U-key is a hardware token that holds the customer's key pair. The private key is made
// on the token and never leaves it: the bank only ever sees the public key (which its CA
// certifies) and signatures. This wrapper loads a vendor's PKCS#11 module with dlopen(),
// finds one token by its label, logs the user in with the PIN and offers the handful of
// operations online banking needs: make a P-256 key pair, read its public key, store and
// read the bank's certificate, and sign. Tests run it against SoftHSM2, a software token
// with the same interface (see scripts/softhsm-token.sh).
//
// Objects are found by CKA_LABEL: the key pair and its certificate share one label and one
// CKA_ID. Every PKCS#11 error becomes a Status naming the function and the CKR code.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ukey/crypto.h"

namespace ebank::ukey {

// SoftHSM2's module on Debian (a link into /usr/lib/x86_64-linux-gnu/softhsm/).
inline constexpr char kSoftHsmModulePath[] = "/usr/lib/softhsm/libsofthsm2.so";

// Limits. PKCS#11 pads a token label into 32 bytes, so a longer one could never match.
inline constexpr size_t kTokenLabelBytesMax = 32;
inline constexpr size_t kObjectLabelBytesMax = 64;
inline constexpr size_t kObjectIdBytesMax = 64;
inline constexpr size_t kPinBytesMax = 64;
inline constexpr size_t kSlotsMax = 64;
inline constexpr size_t kAttributeBytesMax = 16 * 1024;
inline constexpr size_t kSignedMessageBytesMax = 4096;

enum class ObjectClass : unsigned char { kPublicKey, kPrivateKey, kCertificate };

// "CKR_PIN_INCORRECT" for 0xa0; "CKR_0x..." for codes it does not know.
std::string CkrName(CK_RV rv);

// The Status for `rv` returned by the PKCS#11 function `function`, e.g. "C_Login: CKR_PIN_
// INCORRECT (0xa0)". The reason tells the caller what to do next:
//   rejected/ukey_pin_incorrect     wrong PIN; the user may try again (a hardware token
//                                   counts failures; SoftHSM2 does not).
//   rejected/ukey_pin_locked        too many wrong PINs; only the bank can unlock the token.
//   rejected/ukey_pin_expired       the PIN must be changed first.
//   rejected/ukey_attribute_sensitive  the token refuses to reveal the attribute.
//   invalid/ukey_not_logged_in      the operation needs Login() first.
//   unavailable/ukey_not_present    the token was pulled out; insert it and retry.
//   internal/ukey_pkcs11_error      anything else.
// REQUIRES: rv != CKR_OK.
Status Pkcs11Status(std::string_view function, CK_RV rv);

// One token of one PKCS#11 module, with one read/write session while logged in.
//
// The module is loaded on first use and finalized when the last Pkcs11Token of that module
// in the process is destroyed, so several objects (even for the same token) may coexist.
// PKCS#11 keeps the login state per token and process, so objects for the same token share
// it. Not thread-safe: a session runs one operation at a time, so callers serialise their
// use of one object; different objects may be used from different threads.
class Pkcs11Token final {
 public:
  // Does no I/O.
  Pkcs11Token(std::string module_path, std::string token_label);
  ~Pkcs11Token();
  Pkcs11Token(const Pkcs11Token&) = delete;
  Pkcs11Token& operator=(const Pkcs11Token&) = delete;

  // Loads the module if needed, finds the token whose label is `token_label` (no such
  // token: not_found/ukey_token_not_found), opens a read/write session and logs the user in.
  // A wrong PIN closes the session again, so the next call may try another PIN.
  // Does nothing when already logged in.
  Status Login(std::string_view user_pin);
  bool logged_in() const { return session_ != CK_INVALID_HANDLE; }

  // Generates an EC P-256 key pair on the token, both halves labelled `label` with CKA_ID
  // `id` (bytes). The private key is sensitive, not extractable and may only sign.
  // conflict/ukey_label_taken when a key of either half already carries the label.
  Status GenerateKeyPair(std::string_view label, std::string_view id);

  // The public key of the pair labelled `label`, as an OpenSSL key on P-256.
  Result<EvpPkeyPtr> PublicKey(std::string_view label);

  // Stores a DER X.509 certificate next to the key pair labelled `label`, with the pair's
  // label and CKA_ID. Refuses a certificate for another public key
  // (rejected/ukey_certificate_key_mismatch) and a second certificate under one label.
  Status StoreCertificate(std::string_view label, std::string_view certificate_der);

  // The DER certificate labelled `label`.
  Result<std::string> Certificate(std::string_view label);

  // Signs `message` with the private key labelled `label`: SHA-256 in software, ECDSA on
  // the token. Returns the DER ECDSA-Sig-Value that OpenSSL and X.509 use.
  Result<std::string> Sign(std::string_view label, std::string_view message);

  // The raw value of attribute `type` of the one object of `object_class` labelled `label`.
  // A secret the token keeps to itself (CKA_VALUE of the private key) gives
  // rejected/ukey_attribute_sensitive. For checks and diagnostics.
  Result<std::string> Attribute(ObjectClass object_class, std::string_view label,
                                CK_ATTRIBUTE_TYPE type);

 private:
  class Module;

  Status LoadModule();
  Result<CK_SLOT_ID> FindSlot();
  Status RequireSession() const;
  // The one object of `object_class` labelled `label`; not_found/ukey_object_not_found,
  // conflict/ukey_label_ambiguous.
  Result<CK_OBJECT_HANDLE> FindObject(ObjectClass object_class, std::string_view label);
  Result<bool> LabelTaken(ObjectClass object_class, std::string_view label);
  Result<std::string> ReadAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  void CloseSession();

  const std::string module_path_;
  const std::string token_label_;
  Module* module_ = nullptr;  // Owned by the process-wide registry; counted while set.
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

}  // namespace ebank::ukey

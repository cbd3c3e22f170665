package org.patronijdbc.internal;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an unencrypted PEM private key as OpenSSL writes it: PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}), with or without the {@code Bag
 * Attributes} lines of {@code openssl pkcs12} or an {@code EC PARAMETERS} block around it.
 */
final class PemKeys {

  private static final Pattern BLOCK =
      Pattern.compile(
          "-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----(.*?)-----END \\1-----",
          Pattern.DOTALL);
  private static final byte[] RSA_ALGORITHM =
      hex("300d06092a864886f70d0101010500"); // SEQUENCE { rsaEncryption, NULL }
  private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");

  private PemKeys() {}

  /**
   * The key in {@code pem}.
   *
   * @throws GeneralSecurityException with a message that says what is wrong and how to convert it
   */
  static PrivateKey read(String pem) throws GeneralSecurityException {
    Matcher m = BLOCK.matcher(pem);
    if (!m.find()) {
      throw new GeneralSecurityException(
          "no PEM private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
    }
    String type = m.group(1);
    String body = m.group(2);
    if (type.startsWith("ENCRYPTED") || body.contains("Proc-Type:")) {
      throw new GeneralSecurityException(
          "the key is encrypted; decrypt it with: openssl pkey -in key.pem -out plain.pem");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(body.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("the PEM key is not valid base64: " + e.getMessage());
    }
    try {
      return switch (type) {
        case "RSA PRIVATE KEY" -> generate(pkcs8(RSA_ALGORITHM, der), "RSA");
        case "EC PRIVATE KEY" -> generate(pkcs8(ecAlgorithm(der), der), "EC");
        default -> generate(der, "RSA", "EC", "Ed25519", "Ed448");
      };
    } catch (RuntimeException e) {
      // a truncated or malformed DER structure
      throw new GeneralSecurityException("the PEM key cannot be read: " + e, e);
    }
  }

  private static PrivateKey generate(byte[] pkcs8, String... algorithms)
      throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
    for (String algorithm : algorithms) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException tryNext) {
        // PKCS#8 names its algorithm, but KeyFactory wants to be told: try the usual ones
      }
    }
    throw new GeneralSecurityException(
        "the PEM key is no " + String.join(", ", algorithms) + " key this JDK can read");
  }

  /** SEC1's ECPrivateKey names its curve in [0]; PKCS#8 wants it in the algorithm. */
  private static byte[] ecAlgorithm(byte[] sec1) throws GeneralSecurityException {
    int[] outer = header(sec1, 0); // SEQUENCE
    int pos = outer[0];
    int end = pos + outer[1];
    while (pos < end) {
      int tag = sec1[pos] & 0xff;
      int[] h = header(sec1, pos);
      if (tag == 0xa0) {
        byte[] curve = Arrays.copyOfRange(sec1, h[0], h[0] + h[1]);
        return tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve));
      }
      pos = h[0] + h[1];
    }
    throw new GeneralSecurityException(
        "the EC key does not name its curve; convert it with: openssl pkcs8 -topk8 -nocrypt");
  }

  private static byte[] pkcs8(byte[] algorithm, byte[] key) {
    return tlv(0x30, concat(hex("020100"), algorithm, tlv(0x04, key)));
  }

  /** {start of contents, length} of the DER element at {@code pos}. */
  private static int[] header(byte[] der, int pos) throws GeneralSecurityException {
    int first = der[pos + 1] & 0xff;
    if (first < 0x80) {
      return new int[] {pos + 2, first};
    }
    int bytes = first & 0x7f;
    if (bytes == 0 || bytes > 3) {
      throw new GeneralSecurityException("the PEM key is not DER");
    }
    int length = 0;
    for (int i = 0; i < bytes; i++) {
      length = (length << 8) | (der[pos + 2 + i] & 0xff);
    }
    return new int[] {pos + 2 + bytes, length};
  }

  private static byte[] tlv(int tag, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = contents.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(contents);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static byte[] hex(String hex) {
    return java.util.HexFormat.of().parseHex(hex);
  }
}

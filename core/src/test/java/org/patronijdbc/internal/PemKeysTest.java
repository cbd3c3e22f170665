package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemKeysTest {

  @TempDir Path dir;

  @Test
  void readsPkcs8RsaWithTheBagAttributesOfOpensslPkcs12() throws Exception {
    KeyPair rsa = generate("RSA");
    String pem =
        "Bag Attributes\n"
            + "    localKeyID: 01 00 00 00\n"
            + "    friendlyName: client\n"
            + "Key Attributes: <No Attributes>\n"
            + pem("PRIVATE KEY", rsa.getPrivate().getEncoded());

    assertThat(PemKeys.read(pem)).isEqualTo(rsa.getPrivate());
  }

  @Test
  void readsPkcs1Rsa() throws Exception {
    KeyPair rsa = generate("RSA");
    byte[] pkcs8 = rsa.getPrivate().getEncoded();
    // the JDK's RSA PKCS#8: 30 82 LL LL 02 01 00 30 0d <rsaEncryption NULL> 04 82 LL LL <PKCS#1>
    byte[] pkcs1 = Arrays.copyOfRange(pkcs8, 26, pkcs8.length);

    assertThat(PemKeys.read(pem("RSA PRIVATE KEY", pkcs1))).isEqualTo(rsa.getPrivate());
  }

  @Test
  void readsPkcs8AndSec1EcKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ec = g.generateKeyPair();
    byte[] s = unsigned(((ECPrivateKey) ec.getPrivate()).getS(), 32);
    // SEC1: SEQUENCE { INTEGER 1, OCTET STRING s, [0] { OID prime256v1 } }
    byte[] sec1 =
        HexFormat.of()
            .parseHex("30310201010420" + HexFormat.of().formatHex(s) + "a00a06082a8648ce3d030107");
    String withParameters =
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            + pem("EC PRIVATE KEY", sec1);

    assertThat(PemKeys.read(pem("PRIVATE KEY", ec.getPrivate().getEncoded())))
        .isEqualTo(ec.getPrivate());
    PrivateKey fromSec1 = PemKeys.read(withParameters);
    assertThat(((ECPrivateKey) fromSec1).getS()).isEqualTo(((ECPrivateKey) ec.getPrivate()).getS());
  }

  @Test
  void refusesEncryptedGarbledAndMissingKeysWithAReason() {
    assertThatThrownBy(() -> PemKeys.read(pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2})))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("encrypted");
    assertThatThrownBy(
            () -> PemKeys.read("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----"))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> PemKeys.read(pem("RSA PRIVATE KEY", new byte[] {0x30, 0x03, 1})))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> PemKeys.read("hello"))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("no PEM private key");
  }

  @Test
  void aBadKeyFileIs22023NamingPatroniSslKeyOutOfDriverConnect() throws Exception {
    Path key = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", new byte[] {1, 2, 3}));
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not read before the key");
    String url =
        "jdbc:patroni:postgresql://127.0.0.1/db?patroniUrls=https://127.0.0.1:1"
            + "&patroniSslCert="
            + cert
            + "&patroniSslKey="
            + key;

    assertThatThrownBy(() -> DriverManager.getConnection(url))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("patroniSslKey")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
  }

  private static KeyPair generate(String algorithm) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] unsigned(BigInteger n, int length) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(raw.length, length);
    System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
    return out;
  }
}

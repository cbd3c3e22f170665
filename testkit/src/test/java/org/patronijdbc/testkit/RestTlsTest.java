package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * testkit's certificates pass strict X.509 verification, as Python 3.13 (Patroni 4 on Debian 13)
 * applies it: it rejected the earlier CA for lacking a key usage extension.
 */
class RestTlsTest {

  @Test
  void certificatesPassOpenSslsStrictChecksAsServerAndAsClient(@TempDir Path dir) throws Exception {
    RestTls tls = RestTls.generate(dir);
    for (String purpose : new String[] {"sslserver", "sslclient"}) {
      for (Path cert : new Path[] {tls.serverCert, tls.clientCert}) {
        Process verify =
            new ProcessBuilder(
                    "openssl",
                    "verify",
                    "-x509_strict",
                    "-purpose",
                    purpose,
                    "-CAfile",
                    tls.ca.toString(),
                    cert.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(verify.getInputStream().readAllBytes());
        assertThat(verify.waitFor()).as(purpose + " " + cert + ": " + out).isZero();
        assertThat(out).contains(": OK");
      }
    }
  }
}

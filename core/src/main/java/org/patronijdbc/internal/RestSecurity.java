package org.patronijdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.patronijdbc.PatroniProperty;

/**
 * How to reach the REST API: TLS material from PEM files and Basic credentials. {@link #toString()}
 * never shows the password; {@link #equals} lets data sources with the same settings share one
 * monitor.
 */
public record RestSecurity(
    String rootCert, String clientCert, String clientKey, String user, String password) {

  /** Plain HTTP, no credentials. */
  public static final RestSecurity NONE = new RestSecurity(null, null, null, null, null);

  /** Whether endpoints must be https. */
  public boolean usesTls() {
    return rootCert != null || clientCert != null;
  }

  /** TLS material, when configured. */
  Optional<Tls> tls() {
    if (!usesTls()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Tls.load(this));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalStateException("cannot load REST API TLS material: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that the files exist and parse.
   *
   * @throws SQLException 22023 naming the property and the problem
   */
  void validate() throws SQLException {
    if ((clientCert == null) != (clientKey == null)) {
      throw SqlState.badValue(
          (clientCert == null ? PatroniProperty.PATRONI_SSL_KEY : PatroniProperty.PATRONI_SSL_CERT)
              .getName(),
          clientCert == null ? clientKey : clientCert,
          "patroniSslCert and patroniSslKey to be set together");
    }
    if ((user == null) != (password == null)) {
      throw SqlState.badValue(
          PatroniProperty.PATRONI_USER.getName(),
          user,
          "patroniUser and patroniPassword to be set together");
    }
    try {
      tls();
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof BadKey bad) {
        throw SqlState.INVALID_PARAMETER.exception(
            "Invalid value for "
                + PatroniProperty.PATRONI_SSL_KEY.getName()
                + ": "
                + bad.getMessage()
                + " (expected an unencrypted PEM key: PKCS#8, PKCS#1 RSA or SEC1 EC)",
            bad);
      }
      throw SqlState.INVALID_PARAMETER.exception(e.getMessage(), e.getCause());
    }
  }

  @Override
  public String toString() {
    return "RestSecurity[rootCert="
        + rootCert
        + ", clientCert="
        + clientCert
        + ", user="
        + user
        + (password == null ? "" : ", password=***")
        + "]";
  }

  /** Loaded TLS material. */
  record Tls(SSLContext context, X509TrustManager trustManager) {

    static Tls load(RestSecurity s) throws IOException, GeneralSecurityException {
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (s.rootCert != null) {
        int i = 0;
        for (Certificate ca : certificates(x509, s.rootCert)) {
          trust.setCertificateEntry("ca" + i++, ca);
        }
        tmf.init(trust);
      } else {
        tmf.init((KeyStore) null); // the JDK's CAs
      }
      X509TrustManager trustManager = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          trustManager = x;
        }
      }
      KeyManagerFactory kmf = null;
      if (s.clientCert != null) {
        KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
        keys.load(null, null);
        char[] none = new char[0];
        keys.setKeyEntry(
            "client",
            privateKey(s.clientKey),
            none,
            certificates(x509, s.clientCert).toArray(Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          kmf == null ? null : kmf.getKeyManagers(),
          new TrustManager[] {Objects.requireNonNull(trustManager)},
          null);
      return new Tls(context, trustManager);
    }

    private static Collection<? extends Certificate> certificates(
        CertificateFactory x509, String file) throws IOException, GeneralSecurityException {
      try (InputStream in = Files.newInputStream(Path.of(file))) {
        Collection<? extends Certificate> certs = x509.generateCertificates(in);
        if (certs.isEmpty()) {
          throw new GeneralSecurityException(file + " holds no PEM certificate");
        }
        return certs;
      }
    }

    private static PrivateKey privateKey(String file) throws IOException, GeneralSecurityException {
      try {
        return PemKeys.read(Files.readString(Path.of(file)));
      } catch (GeneralSecurityException e) {
        throw new BadKey(file + ": " + e.getMessage(), e);
      }
    }
  }

  /** A client key that cannot be used, reported as 22023 naming patroniSslKey. */
  private static final class BadKey extends GeneralSecurityException {
    BadKey(String message, Throwable cause) {
      super(message, cause);
    }
  }
}

package org.patronijdbc.internal;

import java.io.FileNotFoundException;
import java.net.BindException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLException;

/**
 * Tells a login that failed because of this machine's own settings (a local address it cannot bind,
 * a class pgjdbc loads by name that is not there, a certificate or key file it cannot read) from
 * one that failed because of the member: the first fails alike on every member and at every try, so
 * it is reported at once, not retried for the whole {@code failoverTimeoutMs}.
 */
final class LocalSetup {

  private LocalSetup() {}

  /** What in the local set-up made {@code failure} happen, or empty when it was the member. */
  static Optional<String> problem(Throwable failure, Properties props) {
    boolean handshake = false;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      handshake |= t instanceof SSLException;
      if (t instanceof BindException) {
        return Optional.of(
            "cannot bind localSocketAddress="
                + props.getProperty("localSocketAddress", "")
                + " ("
                + t.getMessage()
                + ")");
      }
      if (t instanceof UnknownHostException
          && props.getProperty("localSocketAddress") != null
          && String.valueOf(t.getMessage()).contains(props.getProperty("localSocketAddress"))) {
        return Optional.of("localSocketAddress is an unknown host (" + t.getMessage() + ")");
      }
      if (t instanceof ClassNotFoundException
          || t instanceof NoSuchMethodException
          || t instanceof InstantiationException
          || t instanceof IllegalAccessException
          || t instanceof LinkageError) {
        return Optional.of(
            "a class the connection properties name (socketFactory, sslfactory, ...) cannot be"
                + " used: "
                + t);
      }
      if (t instanceof FileNotFoundException
          || t instanceof NoSuchFileException
          || t instanceof AccessDeniedException) {
        return Optional.of("a file the connection properties name cannot be read: " + t);
      }
      if (t instanceof GeneralSecurityException && !handshake) {
        // loading a key or certificate the properties name; in a handshake it is the server's
        return Optional.of("the TLS material the connection properties name is unusable: " + t);
      }
    }
    return Optional.empty();
  }
}

package org.patronijdbc.internal;

import java.util.List;

/**
 * What makes two configurations the same cluster: the same REST endpoints (in any order) reached
 * the same way, for the same pinned scope ({@code patroniScope}, empty when not set). It never
 * holds a password: {@code security} has none, {@code passwordDigest} tells different REST
 * passwords apart.
 */
record MonitorKey(
    List<String> endpoints, RestSecurity security, String scope, String passwordDigest) {

  static MonitorKey of(PatroniConfig config) {
    RestSecurity s = config.security();
    return new MonitorKey(
        config.endpoints().stream().sorted().toList(),
        new RestSecurity(s.rootCert(), s.clientCert(), s.clientKey(), s.user(), null),
        config.patroniScope(),
        s.password() == null ? null : Secrets.digest(s.password()));
  }
}

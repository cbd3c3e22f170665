package org.patronijdbc.internal;

import java.util.List;

/**
 * What makes two configurations share one monitor: the same REST endpoints (in any order) reached
 * the same way, for the same pinned scope ({@code patroniScope}, empty when not set), with the same
 * rules for which hosts are polled and trusted ({@code discoverMembers}) and the same REST timeout.
 * Data sources that differ in any of these get monitors of their own. It never holds a password:
 * {@code security} has none, {@code passwordDigest} tells different REST passwords apart.
 */
record MonitorKey(
    List<String> endpoints,
    RestSecurity security,
    String scope,
    String passwordDigest,
    boolean discoverMembers,
    int patroniTimeoutMs) {

  static MonitorKey of(PatroniConfig config) {
    RestSecurity s = config.security();
    return new MonitorKey(
        config.endpoints().stream().sorted().toList(),
        new RestSecurity(s.rootCert(), s.clientCert(), s.clientKey(), s.user(), null),
        config.patroniScope(),
        s.password() == null ? null : Secrets.digest(s.password()),
        config.discoverMembers(),
        config.patroniTimeoutMs());
  }
}

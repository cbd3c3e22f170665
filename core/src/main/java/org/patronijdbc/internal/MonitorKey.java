package org.patronijdbc.internal;

import java.util.List;
import java.util.Map;

/**
 * What makes two configurations share one monitor: the same REST endpoints (in any order) reached
 * the same way, for the same pinned scope ({@code patroniScope}, empty when not set), with the same
 * rules for which hosts are polled and trusted (the URL's hosts, {@code discoverMembers}, {@code
 * memberHosts}, {@code memberAddresses}) and the same REST timeout. Data sources that differ in any
 * of these get monitors of their own. It never holds a password: {@code security} has none, {@code
 * passwordDigest} tells different REST passwords apart.
 */
record MonitorKey(
    List<String> endpoints,
    RestSecurity security,
    String scope,
    String passwordDigest,
    boolean discoverMembers,
    int patroniTimeoutMs,
    List<String> hosts,
    List<String> memberHosts,
    Map<String, String> memberAddresses) {

  static MonitorKey of(PatroniConfig config) {
    RestSecurity s = config.security();
    return new MonitorKey(
        config.endpoints().stream().sorted().toList(),
        new RestSecurity(s.rootCert(), s.clientCert(), s.clientKey(), s.user(), null),
        config.patroniScope(),
        s.password() == null ? null : Secrets.digest(s.password()),
        config.discoverMembers(),
        config.patroniTimeoutMs(),
        config.hosts().stream().sorted().toList(),
        config.memberHosts().stream().sorted().toList(),
        config.memberAddresses());
  }
}

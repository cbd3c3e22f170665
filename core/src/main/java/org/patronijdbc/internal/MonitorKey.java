package org.patronijdbc.internal;

import java.util.List;

/**
 * What makes two configurations the same cluster: the same REST endpoints (in any order) reached
 * the same way, for the same pinned scope ({@code patroniScope}, empty when not set).
 */
record MonitorKey(List<String> endpoints, RestSecurity security, String scope) {

  static MonitorKey of(PatroniConfig config) {
    return new MonitorKey(
        config.endpoints().stream().sorted().toList(), config.security(), config.patroniScope());
  }
}

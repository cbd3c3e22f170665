package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * The REST endpoints the monitor asks, in turn: one per poll, rotating through them, and those that
 * went silent lately last, so a hung member costs one timeout per {@link #SILENT_MS}, not one per
 * poll. With discovery on, the REST APIs of members the URL does not list join the rotation. Used
 * on the monitor thread only.
 */
final class Endpoints {

  static final long SILENT_MS = 5000;

  private final List<String> configured;
  private final boolean discover;
  private final String discoveredScheme;
  private final Map<String, Long> silentUntil = new HashMap<>();
  private List<String> all;
  private int cursor;

  /**
   * @param configured the endpoints the user named (or derived from the URL's hosts)
   * @param discover whether members' {@code api_url}s join them
   */
  Endpoints(List<String> configured, boolean discover) {
    this.configured = List.copyOf(configured);
    this.all = this.configured;
    this.discover = discover;
    // never downgrade: if any configured endpoint is https, discovered ones must be too
    this.discoveredScheme =
        configured.stream().anyMatch(e -> e.startsWith("https://")) ? "https://" : "http://";
  }

  /** Every endpoint in the order to ask them this poll: the rotation, silent ones last. */
  List<String> order(long nowNanos) {
    List<String> order = new ArrayList<>();
    List<String> silent = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      String endpoint = all.get((cursor + i) % all.size());
      Long until = silentUntil.get(endpoint);
      (until != null && until - nowNanos > 0 ? silent : order).add(endpoint);
    }
    order.addAll(silent);
    return order;
  }

  /** {@code endpoint} answered: the next poll starts after it. */
  void answered(String endpoint) {
    silentUntil.remove(endpoint);
    int at = all.indexOf(endpoint);
    cursor = at < 0 ? 0 : (at + 1) % all.size();
  }

  /** {@code endpoint} did not answer: it goes last for a while. */
  void silent(String endpoint, long nowNanos) {
    silentUntil.put(endpoint, nowNanos + TimeUnit.MILLISECONDS.toNanos(SILENT_MS));
  }

  /**
   * Adds the REST APIs of {@code topology}'s members, when discovery is on and {@code allowed}
   * takes their host.
   */
  void discover(ClusterTopology topology, Predicate<String> allowed) {
    if (!discover) {
      return;
    }
    Set<String> merged = new LinkedHashSet<>(configured);
    for (ClusterMember m : topology.members()) {
      if (m.apiUrl().startsWith(discoveredScheme) && allowed.test(m.apiUrl())) {
        merged.add(m.apiUrl());
      }
    }
    if (!merged.equals(new LinkedHashSet<>(all))) {
      all = List.copyOf(merged);
      silentUntil.keySet().retainAll(merged);
      cursor = cursor % all.size();
    }
  }

  /** The endpoints the user named. */
  List<String> configured() {
    return configured;
  }
}

package org.patronijdbc.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@link TopologyMonitor} per cluster per JVM, however many drivers, data sources and pools use
 * it; it stops when the last user releases it.
 */
public final class MonitorRegistry {

  private static final Map<MonitorKey, Lease> monitors = new HashMap<>();

  private MonitorRegistry() {}

  /** The monitor for {@code config}'s cluster, started if this is its first user. */
  public static synchronized TopologyMonitor acquire(PatroniConfig config) {
    MonitorKey key = MonitorKey.of(config);
    Lease lease = monitors.get(key);
    if (lease == null) {
      TopologyMonitor monitor =
          new TopologyMonitor(
              key,
              config.security(),
              config.topologyRefreshMs(),
              Duration.ofMillis(config.patroniTimeoutMs()),
              config.discoverMembers());
      lease = new Lease(monitor);
      monitors.put(key, lease);
      monitor.start();
    }
    lease.users++;
    lease.monitor.offerRefreshInterval(config.topologyRefreshMs());
    return lease.monitor;
  }

  /** Gives one use back; the last one stops the monitor and its thread. */
  public static synchronized void release(TopologyMonitor monitor) {
    Lease lease = monitors.get(monitor.key());
    if (lease == null || lease.monitor != monitor) {
      return;
    }
    if (--lease.users == 0) {
      monitors.remove(monitor.key());
      monitor.close();
    }
  }

  /** How many monitors run now (for tests and diagnostics). */
  public static synchronized int running() {
    return monitors.size();
  }

  private static final class Lease {
    final TopologyMonitor monitor;
    int users;

    Lease(TopologyMonitor monitor) {
      this.monitor = monitor;
    }
  }
}

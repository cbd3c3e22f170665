package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link TopologyMonitor} per cluster per JVM, however many drivers, data sources and pools use
 * it; it stops when the last user releases it. Each user holds a {@link Lease}; the monitor polls
 * at the shortest interval an open lease asks for, so a short-lived data source with a short
 * interval speeds polling up only while it is open.
 */
public final class MonitorRegistry {

  private static final Map<MonitorKey, Shared> monitors = new HashMap<>(); // guarded by the class

  private MonitorRegistry() {}

  /** One user's share of a monitor. {@link #close()} gives it back; idempotent. */
  public static final class Lease implements AutoCloseable {
    private final Shared shared;
    private final long refreshMs;
    private boolean closed; // guarded by MonitorRegistry.class

    private Lease(Shared shared, long refreshMs) {
      this.shared = shared;
      this.refreshMs = refreshMs;
    }

    /** The shared monitor. */
    public TopologyMonitor monitor() {
      return shared.monitor;
    }

    @Override
    public void close() {
      release(this);
    }
  }

  private static final class Shared {
    final TopologyMonitor monitor;
    final List<Lease> leases = new ArrayList<>();

    Shared(TopologyMonitor monitor) {
      this.monitor = monitor;
    }

    void applyShortestInterval() {
      monitor.setRefreshMs(
          Collections.min(leases, (a, b) -> Long.compare(a.refreshMs, b.refreshMs)).refreshMs);
    }
  }

  /** A share of the monitor for {@code config}'s cluster, started if this is its first user. */
  public static synchronized Lease acquire(PatroniConfig config) {
    MonitorKey key = MonitorKey.of(config);
    Shared shared = monitors.get(key);
    if (shared == null) {
      shared = new Shared(new TopologyMonitor(key, config.security(), config.topologyRefreshMs()));
      monitors.put(key, shared);
      shared.monitor.start();
    }
    Lease lease = new Lease(shared, config.topologyRefreshMs());
    shared.leases.add(lease);
    shared.applyShortestInterval();
    return lease;
  }

  private static synchronized void release(Lease lease) {
    if (lease.closed) {
      return;
    }
    lease.closed = true;
    Shared shared = lease.shared;
    shared.leases.remove(lease);
    if (shared.leases.isEmpty()) {
      monitors.remove(shared.monitor.key(), shared);
      shared.monitor.close();
    } else {
      shared.applyShortestInterval();
    }
  }

  /** How many monitors run now (for tests and diagnostics). */
  public static synchronized int running() {
    return monitors.size();
  }
}

package org.patronijdbc.internal;

import org.patronijdbc.routing.TargetServerType;

/**
 * What patroni-jdbc's own modules (the pools, the metrics, the health check) reach through a data
 * source's {@code unwrap(Engine.class)}: its cluster's monitor and its routers. Not API.
 */
public interface Engine {

  /** The data source's configuration. */
  PatroniConfig config();

  /** The cluster's monitor: its snapshots, its member ledger, its name. */
  TopologyMonitor monitor();

  /** The data source's read-your-writes: the floor reads must see, and where commits report. */
  ReadYourWrites readYourWrites();

  /** The data source's router for {@code type} (its lag limit, fallback and selection). */
  Router router(TargetServerType type);
}

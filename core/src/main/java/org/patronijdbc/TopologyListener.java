package org.patronijdbc;

/**
 * Hears about each change of the cluster's topology, once per change, on the monitor's thread.
 * Return quickly and do not block: every data source of the cluster shares that thread.
 */
@FunctionalInterface
public interface TopologyListener {

  /**
   * Called once for each new snapshot that differs from the one before in anything Patroni reported
   * (a role, a state, a lag, a tag, a timeline, a member), with the events between them, which may
   * be empty (a lag that moved). Exceptions are logged and otherwise ignored.
   */
  void onTopologyChange(TopologyChange change);
}

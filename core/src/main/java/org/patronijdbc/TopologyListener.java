package org.patronijdbc;

/**
 * Hears about each change of the cluster's topology, once per change, on the monitor's thread.
 * Return quickly and do not block: every data source of the cluster shares that thread.
 */
@FunctionalInterface
public interface TopologyListener {

  /** Called once per change. Exceptions are logged and otherwise ignored. */
  void onTopologyEvent(TopologyEvent event);
}

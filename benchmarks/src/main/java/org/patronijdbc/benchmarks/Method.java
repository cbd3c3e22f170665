package org.patronijdbc.benchmarks;

import javax.sql.DataSource;

/**
 * One way of reaching the cluster that the benchmark compares: where writes and where reads go.
 *
 * @param name as printed in the tables and charts
 * @param writes the data source for writes (the leader)
 * @param reads the data source for reads (a replica, or the leader as a fallback)
 */
public record Method(String name, DataSource writes, DataSource reads) {

  static final String PATRONI = "patroni-jdbc";
  static final String MULTI_HOST = "Hikari + pgjdbc multi-host";
  static final String HAPROXY = "Hikari + HAProxy";
  static final String ORACLE = "oracle (fresh connection, every node)";
  static final String DIRECT = "Hikari + pgjdbc direct";

  /** A second, identical direct method: how far it lands from 1.00 is the measurement's noise. */
  static final String CONTROL = "Hikari + pgjdbc direct, again (A/A control)";
}

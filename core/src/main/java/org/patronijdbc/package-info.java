/**
 * The driver ({@link org.patronijdbc.PatroniDriver}, {@code jdbc:patroni:postgresql://} URLs), the
 * unpooled {@link org.patronijdbc.PatroniDataSource}, its properties ({@link
 * org.patronijdbc.PatroniProperty}) and the topology listener API ({@link
 * org.patronijdbc.TopologyListener}).
 */
package org.patronijdbc;

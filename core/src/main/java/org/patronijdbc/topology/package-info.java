/** A snapshot of the cluster as Patroni reports it: members, roles, lag, tags. */
package org.patronijdbc.topology;

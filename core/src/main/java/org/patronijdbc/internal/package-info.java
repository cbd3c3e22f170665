/**
 * patroni-jdbc's engine: the REST client, the topology monitor, the router and the fitness rule.
 * Not API: these types are public only so that patroni-jdbc's own modules can use them; they change
 * without notice and are not in the Javadoc.
 */
package org.patronijdbc.internal;

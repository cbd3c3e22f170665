/** Micrometer meters for a cluster's topology (needs {@code micrometer-core} on the class path). */
package org.patronijdbc.micrometer;

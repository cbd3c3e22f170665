/** The routing choices a user configures: target server type and replica selection. */
package org.patronijdbc.routing;

/* Where the host side keeps its state (DESIGN §5). STAND-IN until branch `image` lands. */
#ifndef TETHER_CTL_STATEDIR_H
#define TETHER_CTL_STATEDIR_H

const char *state_dir (void); /* $TETHER_STATE_DIR or /var/lib/tether */

#endif

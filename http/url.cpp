// Boost.URL's compiled part, built into this library once (Boost 1.81 ships it as source):
// the router's request targets and the webhook's URL are parsed by it.
#include <boost/url/src.hpp>

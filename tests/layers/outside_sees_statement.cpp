// Compiled with what every layer that links tallyman_sql sees: sql/'s private headers stay out.
#include "sql/statement.hpp"

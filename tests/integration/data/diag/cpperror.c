/* The preprocessor fails here, and a local compile goes on to say more:
 * an #error, then a syntax error after it. */
#error "this configuration is not supported"
int broken = ;

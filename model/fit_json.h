/* fit_json.h: fit results as JSON (jansson), the machine-readable form that
 * every table printed by geokv-model is made from. */
#ifndef GEOKV_MODEL_FIT_JSON_H
#define GEOKV_MODEL_FIT_JSON_H

#include <jansson.h>

#include "model/fit.h"

/* Non-finite numbers become JSON null. */
json_t *fit_json_number(double v);
/* {"model","formula","n","p","coef":{a:..},"se":{..},"sse","rmse","r2",
 *  "sigma2","aic","aicc","bic","iterations","points":[{x,y,resid}]} */
json_t *fit_result_json(const fit_result *r, int with_points);

#endif

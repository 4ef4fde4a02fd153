/*
 * region_picker.h — the one cascading region picker (province → city →
 * county → township) every form that asks for a region uses, with the
 * partial templates/_region_picker.html and static/js/region-picker.js.
 *
 * Without JavaScript it is plain <select>s, one level at a time: the form
 * posts NAME__1 (province), NAME__2 (city) … and, for the "下一级" button,
 * NAME__next. Before the route's declared inputs are validated,
 * kj_region_picker_inputs turns the selects into NAME: the deepest level
 * whose choice is a child of the level above (a stale lower choice, left
 * from another province, is dropped). A "next" press on a POST form is
 * recorded as the field error "region.picker.step", so the page's handler
 * re-renders its form with every field the user typed (as for any invalid
 * input) and does not save; kj_render then answers 200 without the error
 * banner and the picker shows one more select. With JavaScript the next
 * select fills from GET /api/v1/regions without a reload.
 */
#ifndef KJ_REGION_PICKER_H
#define KJ_REGION_PICKER_H
#include "web/app.h"

/** The partial's data for field name (its value: code, or NULL / ""),
 *  labelled by the message label_key: {name, label, levels: [{id, select,
 *  prompt, options: [{code, label, selected}]}], chosen, step}. The first
 *  select's id is name itself (a page's <label for=name> still works). */
json_t *kj_region_picker(kj_req *req, const char *name, const char *value, const char *label_key);
/* The home region (web/home_region.h): a form's picker without a value
 * opens at the instance's home region (its path chosen, the next level to
 * choose); every picker lists the home region's branch first. */
/** The picker of a list's region filter: nothing preselected (value is
 *  the filter in force), its blank top choice reads 全国 (everything). */
json_t *kj_region_filter_picker(kj_req *req, const char *name, const char *value, const char *label_key);
/** Pipeline step, before validation: NAME__k selects → NAME in raw. */
void kj_region_picker_inputs(kj_req *req, json_t *raw);
/** The error key a "next" press leaves on its field (see above). */
#define KJ_REGION_PICKER_STEP "region.picker.step"
#endif

/* store_internal.h - shared inside the store: the HDF5 helpers (h5.c) and the
 * scenario writer (store_scenario.c), which store.c calls. */
#ifndef TWINCAST_STORE_INTERNAL_H
#define TWINCAST_STORE_INTERNAL_H

#include <hdf5.h>

#include "twincast/state.h"

herr_t tc_h5_str_attr(hid_t obj, const char *name, const char *value);
herr_t tc_h5_scalar_attr(hid_t obj, const char *name, hid_t type, const void *value);
herr_t tc_h5_text_dataset(hid_t loc, const char *name, const char *text);
/* A group whose links keep their creation order (netCDF-4 readers want it). */
hid_t tc_h5_group(hid_t loc, const char *name);

/* The in-memory type of tc_station_summary records (without the diff fields for the baseline). */
hid_t tc_h5_summary_type(int is_baseline);
hid_t tc_h5_product_summary_type(void);
hid_t tc_h5_setup_batch_type(void);
/* The epoch's `calibration` table (store_calibration.c). */
herr_t tc_h5_write_calibration(hid_t epoch_group, const tc_state_calibration *rows, int n);

#include "twincast/store.h"
/* The open file (store.c), for the tables written outside an epoch. */
hid_t tc_store_file_(const tc_store *s);
const char *tc_store_path_(const tc_store *s);
tc_status tc_store_append_rows_(hid_t epoch_group, const char *scenario, const tc_sample *rows, long first,
                                const char *path, char *err, size_t errlen);
/* The units (or NULL) and comment of a per-replication measure (product: of a product measure). */
void tc_store_measure_doc(int k, int product, const char **units, const char **comment);
tc_status tc_store_write_scenario_(hid_t epoch_group, const tc_scenario_data *d, const char *path, char *err,
                                   size_t errlen);

#endif

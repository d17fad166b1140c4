"""Schedule files for the import tests. The 2027 schedule is an EXAMPLE, not official data."""

from __future__ import annotations

EXAMPLE_2027 = """\
# 示例：2027 年部分节假日安排（测试用，非官方数据）
year,2027
2027-01-01,rest,元旦
2027-02-05,rest,春节
2027-02-06,rest,春节
2027-02-07,rest,春节
2027-02-08,rest,春节
2027-02-09,rest,春节
2027-02-10,rest,春节
2027-02-11,rest,春节
2027-02-12,rest,春节
2027-02-20,work,春节调休上班
2027-04-05,rest,清明节
2027-04-25,work,劳动节调休上班
2027-05-01,rest,劳动节
2027-05-02,rest,劳动节
2027-05-03,rest,劳动节
2027-05-04,rest,劳动节
2027-05-05,rest,劳动节
2027-06-09,rest,端午节
2027-09-15,rest,中秋节
2027-09-26,work,国庆节调休上班
2027-10-01,rest,国庆节
2027-10-02,rest,国庆节
2027-10-03,rest,国庆节
2027-10-04,rest,国庆节
2027-10-05,rest,国庆节
2027-10-06,rest,国庆节
2027-10-07,rest,国庆节
2027-10-09,work,国庆节调休上班
"""
